package dev.clarion.audit;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.binding.FeatureValue;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.risk.RecordedInputs;
import dev.clarion.risk.RecordedOutput;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.UUID;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;

/**
 * Decisions for auditors' own tools: a FHIR Bundle with one {@code AuditEvent} per decision (IHE
 * BALP patterns: the EHR as source-role agent, Clarion as destination-role agent, the user as
 * requestor, the patient and the hook call as entities) and, for each scored decision, a {@code
 * Provenance} linking the RiskAssessment (by its identifier, the decision id) to the exact model
 * and every input resource, and a {@code Binary} with the seals of the exported records' batches
 * and the public key that verifies them; or CSV, one line per decision. Thread-safe.
 */
@ApplicationScoped
public class AuditExport {

  /** Decisions per export, at most. */
  static final int MAX_EXPORT = 10_000;

  static final String DCM = "http://dicom.nema.org/resources/ontology/DCM";
  static final String CLARION_HOOK = "https://clarion.dev/fhir/CodeSystem/cds-hook";
  static final String AUDIT_EVENT_PROFILE =
      "https://clarion.dev/fhir/StructureDefinition/clarion-audit-event";
  static final String PROVENANCE_PROFILE =
      "https://clarion.dev/fhir/StructureDefinition/clarion-provenance";

  private final FhirContext fhir;
  private final ChainCheckpoints checkpoints;
  private final ChainSigner signer;
  private final ObjectMapper mapper;

  AuditExport(
      FhirContext fhir, ChainCheckpoints checkpoints, ChainSigner signer, ObjectMapper mapper) {
    this.fhir = fhir;
    this.checkpoints = checkpoints;
    this.signer = signer;
    this.mapper = mapper;
  }

  /** The seals of the exported records and the key to check them with, as one JSON document. */
  record Seals(String keyId, String algorithm, String publicKey, List<Seal> seals) {}

  public String fhir(List<DecisionRecord> records) {
    Bundle bundle = new Bundle().setType(Bundle.BundleType.COLLECTION);
    bundle.setTimestamp(new Date());
    for (DecisionRecord r : records) {
      bundle.addEntry().setFullUrl("urn:uuid:" + r.id).setResource(auditEvent(r));
      if (r.output != null && r.inputs != null) {
        bundle.addEntry().setFullUrl("urn:uuid:" + provenanceId(r)).setResource(provenance(r));
      }
    }
    List<Long> seqs = records.stream().map(r -> r.seq).filter(Objects::nonNull).toList();
    try {
      Binary seals =
          new Binary()
              .setContentType("application/json")
              .setData(
                  mapper.writeValueAsBytes(
                      new Seals(
                          signer.keyId(),
                          "Ed25519",
                          signer.publicKeyPem(),
                          checkpoints.covering(seqs))));
      String id = UUID.randomUUID().toString();
      seals.setId(id);
      bundle.addEntry().setFullUrl("urn:uuid:" + id).setResource(seals);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return fhir.newJsonParser().encodeResourceToString(bundle);
  }

  public String csv(List<DecisionRecord> records) {
    StringBuilder out =
        new StringBuilder(
            "id,seq,recorded_at,service,hook,hook_instance,client_iss,client_tenant,patient,user,"
                + "outcome,reason_code,http_status,model,model_version,model_sha256,risk,band,"
                + "latency_ms,card_uuids,hash\r\n");
    for (DecisionRecord r : records) {
      StringJoiner line = new StringJoiner(",");
      line.add(cell(r.id)).add(cell(r.seq)).add(cell(r.recordedAt)).add(cell(r.serviceId));
      line.add(cell(r.hook)).add(cell(r.hookInstance)).add(cell(r.clientIss));
      line.add(cell(r.clientTenant)).add(cell(r.patientRef)).add(cell(r.userRef));
      line.add(cell(r.outcome)).add(cell(r.reasonCode)).add(cell(r.httpStatus));
      line.add(cell(r.modelId)).add(cell(r.modelVersion)).add(cell(r.modelSha256));
      RecordedOutput output = RecordedOutput.read(r.output);
      line.add(cell(output == null ? null : output.risk()));
      line.add(cell(output == null ? null : output.band()));
      line.add(cell(r.latencyMicros / 1000.0));
      line.add(cell(r.cardUuids == null ? null : join(r.cardUuids))).add(cell(r.hash));
      out.append(line).append("\r\n");
    }
    return out.toString();
  }

  private AuditEvent auditEvent(DecisionRecord r) {
    AuditEvent e = new AuditEvent();
    e.setId(r.id.toString());
    e.getMeta().addProfile(AUDIT_EVENT_PROFILE);
    e.setType(
        new Coding(
            "http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation"));
    e.addSubtype(new Coding("http://hl7.org/fhir/restful-interaction", "operation", "operation"));
    if (r.hook != null) {
      e.addSubtype(new Coding(CLARION_HOOK, r.hook, "CDS Hooks " + r.hook));
    }
    e.setAction(AuditEvent.AuditEventAction.E);
    e.setRecorded(Date.from(r.recordedAt));
    e.setOutcome(
        r.httpStatus >= 500
            ? AuditEvent.AuditEventOutcome._8
            : r.httpStatus >= 400
                ? AuditEvent.AuditEventOutcome._4
                : AuditEvent.AuditEventOutcome._0);
    e.setOutcomeDesc(r.outcome + (r.reasonCode == null ? "" : " " + r.reasonCode));

    AuditEvent.AuditEventAgentComponent client = e.addAgent();
    client.getType().addCoding(new Coding(DCM, "110153", "Source Role ID"));
    client.setRequestor(false);
    if (r.clientIss != null) {
      client.setWho(new Reference().setIdentifier(new Identifier().setValue(r.clientIss)));
      client.setName(r.clientIss + (r.clientTenant == null ? "" : " (" + r.clientTenant + ")"));
    } else {
      client.setName("unsigned loopback caller (embedded run)");
    }
    AuditEvent.AuditEventAgentComponent server = e.addAgent();
    server.getType().addCoding(new Coding(DCM, "110152", "Destination Role ID"));
    server.setRequestor(false);
    server.setName("Clarion service " + r.serviceId);
    if (r.userRef != null) {
      AuditEvent.AuditEventAgentComponent user = e.addAgent();
      user.getType()
          .addCoding(
              new Coding(
                  "http://terminology.hl7.org/CodeSystem/extra-security-role-type",
                  "humanuser",
                  "human user"));
      user.setWho(new Reference(r.userRef));
      user.setRequestor(true);
    }
    e.getSource()
        .setObserver(new Reference().setDisplay("Clarion"))
        .addType(
            new Coding(
                "http://terminology.hl7.org/CodeSystem/security-source-type",
                "4",
                "Application Server"));

    if (r.patientRef != null) {
      AuditEvent.AuditEventEntityComponent patient = e.addEntity();
      patient.setWhat(new Reference(r.patientRef));
      patient.setType(
          new Coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"));
      patient.setRole(
          new Coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"));
    }
    AuditEvent.AuditEventEntityComponent call = e.addEntity();
    call.setWhat(
        new Reference()
            .setIdentifier(
                new Identifier().setSystem("urn:ietf:rfc:3986").setValue("urn:uuid:" + r.id))
            .setDisplay("decision " + r.id));
    call.setType(
        new Coding(
            "http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"));
    call.setName(r.serviceId);
    detail(call, "hookInstance", r.hookInstance);
    detail(call, "model", r.modelId == null ? null : r.modelId + "|" + r.modelVersion);
    detail(call, "modelSha256", r.modelSha256);
    detail(call, "cardUuids", r.cardUuids == null ? null : join(r.cardUuids));
    detail(call, "recordHash", r.hash);
    return e;
  }

  private Provenance provenance(DecisionRecord r) {
    Provenance p = new Provenance();
    p.setId(provenanceId(r));
    p.getMeta().addProfile(PROVENANCE_PROFILE);
    p.addTarget(
        new Reference()
            .setType("RiskAssessment")
            .setIdentifier(
                new Identifier().setSystem("urn:ietf:rfc:3986").setValue("urn:uuid:" + r.id)));
    p.setRecorded(Date.from(r.recordedAt));
    Provenance.ProvenanceAgentComponent model = p.addAgent();
    model
        .getType()
        .addCoding(
            new Coding(
                "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                "performer",
                "Performer"));
    model.setWho(
        new Reference()
            .setIdentifier(
                new Identifier()
                    .setSystem(ModelDescriptor.CODE_SYSTEM)
                    .setValue(r.modelId + "|" + r.modelVersion))
            .setDisplay("model " + r.modelId + " " + r.modelVersion + " sha256 " + r.modelSha256));
    for (FeatureValue feature : RecordedInputs.read(r.inputs).extraction().features()) {
      if (feature.source() != null) {
        p.addEntity()
            .setRole(Provenance.ProvenanceEntityRole.SOURCE)
            .setWhat(new Reference(feature.source()).setDisplay(feature.name()));
      }
    }
    return p;
  }

  private static String provenanceId(DecisionRecord r) {
    return java.util.UUID.nameUUIDFromBytes(("provenance:" + r.id).getBytes()).toString();
  }

  private static void detail(AuditEvent.AuditEventEntityComponent entity, String type, String v) {
    if (v != null && !v.isBlank()) { // R4: a detail has a value (e.g. no card uuids: none)
      entity.addDetail().setType(type).setValue(new org.hl7.fhir.r4.model.StringType(v));
    }
  }

  private static String join(JsonNode array) {
    StringJoiner j = new StringJoiner(" ");
    array.forEach(n -> j.add(n.asText()));
    return j.toString();
  }

  /** RFC 4180: quoted when needed; a leading = + - @ is defused for spreadsheets. */
  private static String cell(Object value) {
    if (value == null) {
      return "";
    }
    String s = value.toString();
    if (!s.isEmpty() && "=+-@".indexOf(s.charAt(0)) >= 0 && !(value instanceof Number)) {
      s = "'" + s;
    }
    if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
      return "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }
}
