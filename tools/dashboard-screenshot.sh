#!/usr/bin/env bash
# Takes docs/images/dashboard-trace.png: starts ChatMesh (./chatmesh run) on spare ports, sends one WebSocket message
# to a WebSocket and an SSE recipient, and screenshots that trace in the Aspire dashboard with the machine's Chromium
# (headless, through Microsoft.Playwright; no browser is downloaded). Stops everything it started.
#   tools/dashboard-screenshot.sh [output.png]
# Needs: what ./chatmesh run needs, plus /usr/bin/chromium (apt-get install chromium), or CHATMESH_CHROMIUM=<path>.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUTPUT=${1:-docs/images/dashboard-trace.png}
export CHATMESH_WEB_PORT=${CHATMESH_WEB_PORT:-5180}
export CHATMESH_DASHBOARD_PORT=${CHATMESH_DASHBOARD_PORT:-18988}
export CHATMESH_OTLP_PORT=${CHATMESH_OTLP_PORT:-18989}
export CHATMESH_RESOURCE_SERVICE_PORT=${CHATMESH_RESOURCE_SERVICE_PORT:-18990}

[ -x "${CHATMESH_CHROMIUM:-/usr/bin/chromium}" ] || { echo "no Chromium at ${CHATMESH_CHROMIUM:-/usr/bin/chromium}; apt-get install chromium" >&2; exit 1; }

dotnet build tools/DashboardScreenshot/ChatMesh.DashboardScreenshot.csproj -nologo -v q -clp:ErrorsOnly

LOG=$(mktemp)
# In its own session: a Ctrl+C here reaches only this script, whose exit then stops ChatMesh in order.
setsid ./chatmesh run >"$LOG" 2>&1 &
RUN_PID=$!
# ./chatmesh stops the AppHost and the servers it started on TERM.
cleanup() { kill -TERM "$RUN_PID" 2>/dev/null && { wait "$RUN_PID" 2>/dev/null || true; }; rm -f "$LOG"; }
trap 'status=$?; cleanup; exit $status' EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 600); do
  grep -q "ChatMesh is up" "$LOG" && break
  kill -0 "$RUN_PID" 2>/dev/null || { cat "$LOG" >&2; echo "./chatmesh run exited" >&2; exit 1; }
  sleep 0.5
done
grep -q "ChatMesh is up" "$LOG" || { tail -40 "$LOG" >&2; echo "ChatMesh did not come up" >&2; exit 1; }
LOGIN=$(grep -o "http://localhost:$CHATMESH_DASHBOARD_PORT/login?t=[0-9a-f]*" "$LOG" | head -1)

dotnet tools/DashboardScreenshot/bin/Debug/net10.0/ChatMesh.DashboardScreenshot.dll \
  "http://localhost:$CHATMESH_WEB_PORT" "$LOGIN" "$OUTPUT"
