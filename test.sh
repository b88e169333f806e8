#!/usr/bin/env bash
# Runs every test (unit and integration against the real stack), then prints "N passed, N failed".
# Fails when a test fails or when none ran.
set -euo pipefail
cd "$(dirname "$0")"
./eng/install-prerequisites.sh --tests

results="$(pwd)/TestResults"
# The containers tests stop their private Docker engine themselves; this covers a run that dies first.
trap 'if [ -e "${IOTASPIRE_DOCKER_DIR:-/var/tmp/iotaspire-docker}/dockerd.pid" ]; then ./eng/containers.sh down || true; fi' EXIT
rm -rf "$results"
status=0
dotnet test IotAspire.sln --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" || status=$?

python3 - "$results" <<'PY' || status=1
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
    skipped += int(counters.get("notExecuted", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
PY
exit $status
