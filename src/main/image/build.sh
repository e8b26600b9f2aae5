#!/usr/bin/env bash
# Builds Clarion's container image without a Docker daemon or a registry: a minimal Debian with a
# headless JRE made by mmdebstrap, the packaged server on top, assembled as an OCI image by umoci
# (all three are Debian packages). Run as root (or where unprivileged user namespaces work).
#
#   ./mvnw -B package -DskipTests && src/main/image/build.sh [--push docker://REGISTRY/clarion:TAG]
#
# Output: target/image/oci (OCI layout, tag "clarion") and target/image/clarion-VERSION.oci.tar
# (an OCI archive: `podman load -i`, `skopeo copy oci-archive:...`). --push copies the image to a
# registry with skopeo (credentials as skopeo takes them, e.g. REGISTRY_AUTH_FILE).
#
# Layers: 1. Debian bookworm + openjdk-17-jre-headless + ca-certificates (cached in target/image
# between builds: delete base-*.tar to refresh its security updates), 2. the server
# (/opt/clarion/app), the bundled models (/opt/clarion/models, override by mounting a volume there
# or setting CLARION_MODELS_DIR) and the CDS service definitions (/opt/clarion/cds-hooks), owned by
# root and read-only to the server's user 10001, with the AppCDS archive of the server's classes
# made by the image's own JRE (root builds only).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
OUT="$ROOT/target/image"
SUITE=bookworm
PACKAGES=openjdk-17-jre-headless,ca-certificates
PUSH=""
while [ $# -gt 0 ]; do
  case "$1" in
    --push) PUSH="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

VERSION=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$ROOT/pom.xml" | head -1)
REVISION=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
CREATED=$(git -C "$ROOT" log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
APP="$ROOT/target/quarkus-app"
[ -f "$APP/quarkus-run.jar" ] || { echo "build.sh: no $APP/quarkus-run.jar: run ./mvnw -B package -DskipTests first" >&2; exit 1; }
for tool in mmdebstrap umoci; do
  command -v "$tool" > /dev/null || { echo "build.sh: $tool is missing: apt-get install mmdebstrap umoci" >&2; exit 1; }
done
if [ -n "$PUSH" ]; then
  command -v skopeo > /dev/null || { echo "build.sh: --push needs skopeo: apt-get install skopeo" >&2; exit 1; }
fi
ROOTLESS=""
[ "$(id -u)" = 0 ] || ROOTLESS="--rootless"
mkdir -p "$OUT"

BASE="$OUT/base-$SUITE-$(echo "$PACKAGES" | sha256sum | cut -c1-12).tar"
if [ ! -s "$BASE" ]; then
  echo "[1/4] Debian $SUITE with $PACKAGES (mmdebstrap; about a minute)"
  # --format=tar: mmdebstrap otherwise guesses the format from the file name.
  mmdebstrap --quiet --variant=apt --format=tar --include="$PACKAGES" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    "$SUITE" "${BASE%.tar}.partial.tar"
  mv "${BASE%.tar}.partial.tar" "$BASE"
else
  echo "[1/4] Debian $SUITE with $PACKAGES: cached ($(basename "$BASE"))"
fi

echo "[2/4] base layer"
rm -rf "$OUT/oci" "$OUT/bundle"
umoci init --layout "$OUT/oci"
umoci new --image "$OUT/oci:clarion"
umoci unpack $ROOTLESS --image "$OUT/oci:clarion" "$OUT/bundle" > /dev/null
tar -xf "$BASE" -C "$OUT/bundle/rootfs"
# The server's user: no login, no home of its own to write to.
echo "clarion:x:10001:10001:Clarion:/nonexistent:/usr/sbin/nologin" >> "$OUT/bundle/rootfs/etc/passwd"
echo "clarion:x:10001:" >> "$OUT/bundle/rootfs/etc/group"
# Container runtimes mount their own; this one keeps "localhost" resolvable where none does (the
# embedded PostgreSQL listens on it).
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$OUT/bundle/rootfs/etc/hosts"
umoci repack --image "$OUT/oci:clarion" --history.created_by "mmdebstrap $SUITE $PACKAGES" \
  --history.created "$CREATED" "$OUT/bundle"

echo "[3/4] Clarion $VERSION layer (server, models, service definitions)"
# A fresh unpack: a bundle repacks against the image it was unpacked from, not its last repack.
rm -rf "$OUT/bundle"
umoci unpack $ROOTLESS --image "$OUT/oci:clarion" "$OUT/bundle" > /dev/null
R="$OUT/bundle/rootfs"
mkdir -p "$R/opt/clarion" "$R/var/lib/clarion"
cp -r "$APP" "$R/opt/clarion/app"
# The package's class archive is this machine's JDK's: the image makes its own below.
rm -f "$R/opt/clarion/app/clarion.jsa"
cp -r "$ROOT/models" "$R/opt/clarion/models"
cp -r "$ROOT/cds-hooks" "$R/opt/clarion/cds-hooks"
chown -R 0:0 "$R/opt/clarion" 2> /dev/null || true
chmod -R u=rwX,go=rX "$R/opt/clarion"
# Whole seconds (the commit's time): umoci's tar rounds a file's time to the nearest second, and a
# class archive is refused by a JVM that finds its jars' times changed.
find "$R/opt/clarion" -exec touch -h -d "$CREATED" {} +
# Only for a run without a database URL (trying the image on a laptop): the embedded PostgreSQL.
chown 10001:10001 "$R/var/lib/clarion" 2> /dev/null || true
chmod 0750 "$R/var/lib/clarion"
# The JVM flags of the image (step 4); the class archive is made and used with the same ones.
JAVA_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -XX:ThreadPriorityPolicy=1 -XX:JavaPriority8_To_OSPriority=0 -XX:JavaPriority9_To_OSPriority=0 -XX:JavaPriority10_To_OSPriority=0 -Djava.io.tmpdir=/tmp"
ARCHIVE_FLAG=""
if [ -z "$ROOTLESS" ]; then
  echo "      class archive: the image's own JRE runs the server once as 10001 (about 20 s)"
  # As a container runtime would run it (private PID and mount namespaces, the image's root file
  # system, its user), the packaged server's class-archive command: a throwaway embedded database,
  # the first calls a replica answers, exit; the JVM then writes every class it loaded to an AppCDS
  # archive, which each start maps instead of loading the classes again (README, "Start time").
  # It must come from this JRE and this jar: an archive from another JDK build is refused.
  unshare --mount --pid --fork --mount-proc="$R/proc" sh -c "mount --bind /dev '$R/dev' \
    && exec chroot --userspec=10001:10001 '$R' /usr/bin/env -i PATH=/usr/bin:/bin \
      JDK_JAVA_OPTIONS='$JAVA_OPTIONS' CLARION_MODELS_DIR=/opt/clarion/models \
      CLARION_CDS_DEFINITIONS_DIR=/opt/clarion/cds-hooks \
      sh -c 'cd /opt/clarion && exec java -XX:ArchiveClassesAtExit=/tmp/clarion.jsa -Xlog:cds=error \
        -Dquarkus.log.level=ERROR -Dquarkus.banner.enabled=false \
        -jar /opt/clarion/app/quarkus-run.jar class-archive'" | sed 's/^/      /'
  mv "$R/tmp/clarion.jsa" "$R/opt/clarion/app/clarion.jsa"
  chown 0:0 "$R/opt/clarion/app/clarion.jsa"
  chmod 0444 "$R/opt/clarion/app/clarion.jsa"
  touch -d "$CREATED" "$R/opt/clarion/app/clarion.jsa" "$R/opt/clarion/app"
  # What the run left in /tmp (the JVM's perf data, the embedded PostgreSQL's unpacked binaries).
  find "$R/tmp" -mindepth 1 -delete
  ARCHIVE_FLAG=" -XX:SharedArchiveFile=/opt/clarion/app/clarion.jsa"
else
  echo "      class archive: skipped (running the image's JRE in its root file system needs root)"
fi
umoci repack --image "$OUT/oci:clarion" --history.created_by "Clarion $VERSION ($REVISION)" \
  --history.created "$CREATED" "$OUT/bundle"
rm -rf "$OUT/bundle"

echo "[4/4] image configuration"
# Heap 75 % of the container's memory limit (the k8s Deployment gives 1 GiB: the benchmark's load
# fits with room for ONNX Runtime's native memory); G1 even below 2 CPUs / 1.8 GB, where the JVM
# would pick the serial collector; exit on OutOfMemoryError so the orchestrator restarts the pod;
# Java thread priorities as nice values, so that the workers answering calls yield the cores to the
# event loops (README, Operations; as user 10001 the JVM warns once that raising a priority would
# need root: Clarion only lowers them); the class archive made above.
umoci config --image "$OUT/oci:clarion" \
  --config.user 10001:10001 \
  --config.workingdir /opt/clarion \
  --config.entrypoint java --config.entrypoint -jar --config.entrypoint /opt/clarion/app/quarkus-run.jar \
  --config.exposedports 8080/tcp \
  --config.env "JDK_JAVA_OPTIONS=$JAVA_OPTIONS$ARCHIVE_FLAG" \
  --config.env CLARION_MODELS_DIR=/opt/clarion/models \
  --config.env CLARION_CDS_DEFINITIONS_DIR=/opt/clarion/cds-hooks \
  --config.env CLARION_EMBEDDED_DB_DIR=/var/lib/clarion/pg \
  --config.volume /opt/clarion/models \
  --config.stopsignal SIGTERM \
  --config.label org.opencontainers.image.title=Clarion \
  --config.label "org.opencontainers.image.description=Clinical decision support over CDS Hooks 2.0" \
  --config.label org.opencontainers.image.version="$VERSION" \
  --config.label org.opencontainers.image.revision="$REVISION" \
  --config.label org.opencontainers.image.created="$CREATED" \
  --config.label org.opencontainers.image.base.name="debian:$SUITE" \
  --config.label dev.clarion.health.startup=/q/health/started \
  --config.label dev.clarion.health.readiness=/q/health/ready \
  --config.label dev.clarion.health.liveness=/q/health/live \
  --history.created_by "umoci config" --history.created "$CREATED"
umoci gc --layout "$OUT/oci"
ARCHIVE="$OUT/clarion-$VERSION.oci.tar"
tar -C "$OUT/oci" -cf "$ARCHIVE" .
echo "Image: $OUT/oci:clarion ($(du -sh "$OUT/oci" | cut -f1)), archive $ARCHIVE"
if [ -n "$PUSH" ]; then
  echo "Pushing to $PUSH"
  skopeo copy "oci:$OUT/oci:clarion" "$PUSH"
fi
