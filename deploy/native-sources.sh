#!/usr/bin/env bash
# The native build's first half, which needs no GraalVM: Quarkus's build steps for native mode, up to
# the native-image command line and the sources it compiles (target/native-sources). `make test` runs
# it so that what breaks a native build at build time (reflection, build-time initialization, the
# native profile's arguments) shows here, on machines that cannot build the executable itself.
# In a copy of the project, so that the JVM build in target/ is untouched.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /var/tmp/codelab-native-sources.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -a "$here/pom.xml" "$here/src" "$work/"
cd "$work"
${MVN:-mvn -B} -q package -Dnative -Dquarkus.native.sources-only=true -DskipTests
args=target/native-sources/native-image.args
[ -s "$args" ] || { echo "native-sources: no $args" >&2; exit 1; }
for needed in --initialize-at-run-time=org.newsclub -J--add-opens=java.base/java.lang=ALL-UNNAMED; do
  grep -q -- "$needed" "$args" || { echo "native-sources: $args lacks $needed" >&2; exit 1; }
done
echo "native-sources: $(tr " " "\n" < "$args" | grep -c .) native-image arguments generated, the native profile's among them"
