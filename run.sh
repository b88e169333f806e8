#!/usr/bin/env bash
# Runs the whole system for a demo: installs what is missing, then starts the AppHost with a simulated fleet.
# Extra arguments go to the AppHost, e.g. ./run.sh --Simulator:Devices=50 --Infra:DataRoot=.data
set -euo pipefail
cd "$(dirname "$0")"
./eng/install-prerequisites.sh
exec dotnet run --project AppHost --launch-profile http -- "$@"
