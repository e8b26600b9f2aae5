#!/usr/bin/env python3
"""Turn one Synthea patient bundle into a CDS Hooks patient-view request whose prefetch holds
exactly what a FHIR server would return for the templates of cds-hooks/ascvd-risk.json.

Usage: prefetch_from_synthea.py SYNTHEA_BUNDLE.json HOOK_INSTANCE > request.json

References are rewritten from Synthea's urn:uuid form to Type/id, and every resource gets
meta.versionId "1", as a FHIR server would serve them. Only the resources the templates select
are kept, so the fixture stays small.
"""
import json
import sys

LIPIDS = {"2093-3", "2085-9"}
BP = {"85354-9", "55284-4", "8480-6"}
SMOKING = {"72166-2"}


def codes(resource):
    return {c.get("code") for c in resource.get("code", {}).get("coding", [])}


def date(resource):
    return resource.get("effectiveDateTime") or resource.get("effectivePeriod", {}).get("start") or ""


def rewrite(node, types):
    if isinstance(node, dict):
        return {k: rewrite(v, types) for k, v in node.items()}
    if isinstance(node, list):
        return [rewrite(v, types) for v in node]
    if isinstance(node, str) and node.startswith("urn:uuid:") and node[9:] in types:
        return types[node[9:]] + "/" + node[9:]
    return node


def searchset(resources):
    return {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
            "entry": [{"fullUrl": r["resourceType"] + "/" + r["id"], "resource": r,
                       "search": {"mode": "match"}} for r in resources]}


def main():
    bundle = json.load(open(sys.argv[1]))
    resources = [e["resource"] for e in bundle["entry"]]
    types = {r["id"]: r["resourceType"] for r in resources}
    resources = [rewrite(r, types) for r in resources]
    for r in resources:
        r["meta"] = dict(r.get("meta", {}), versionId="1")
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    obs = [r for r in resources if r["resourceType"] == "Observation"]

    def latest(code_set, count):
        hits = [o for o in obs if codes(o) & code_set]
        return sorted(hits, key=date, reverse=True)[:count]

    request = {
        "hook": "patient-view",
        "hookInstance": sys.argv[2],
        "context": {"userId": "Practitioner/example", "patientId": patient["id"]},
        "prefetch": {
            "patient": patient,
            "lipids": searchset(latest(LIPIDS, 20)),
            "bloodPressure": searchset(latest(BP, 10)),
            "smokingStatus": searchset(latest(SMOKING, 5)),
            "conditions": searchset([r for r in resources if r["resourceType"] == "Condition"]),
            "medications": searchset([r for r in resources if r["resourceType"] == "MedicationRequest"
                                      and r.get("status") == "active"]),
        },
    }
    json.dump(request, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
