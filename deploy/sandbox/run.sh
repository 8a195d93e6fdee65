#!/bin/bash
# deploy/ run as containers on a machine without Docker or Docker Hub: Podman's Docker API,
# docker-compose, stand-in images from Debian (images.sh), the local Bot API server as
# Telegram (smoke.py). Builds, brings the stack up, runs the smoke test (PASS or FAIL with
# figures), and tears it all down. Root only; takes a few minutes. docs/deployment.md, "Run on
# a machine without Docker Hub", says what differs from production.
#
#   deploy/sandbox/run.sh                      # images built only where missing
#   IMAGES=rebuild deploy/sandbox/run.sh       # stand-in images built anew
#   KEEP=1 deploy/sandbox/run.sh               # the stack left running afterwards
#   PYTHON=/path/to/venv/bin/python ...        # the project's virtualenv (default .venv)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DEPLOY=$(dirname "$HERE")
ROOT=$(dirname "$DEPLOY")
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
SOCK=/run/podman/podman.sock
NET=gridbot-sandbox
SUBNET=10.89.250  # the compose network's /24; the stand-in for Telegram on its gateway, .1
MARK="# written by deploy/sandbox/run.sh"
export DOCKER_HOST=unix://$SOCK
compose() { (cd "$DEPLOY" && docker-compose -f compose.yaml -f sandbox/compose.sandbox.yaml "$@"); }

[ "$(id -u)" = 0 ] || { echo "run.sh: needs root (rootful Podman)"; exit 2; }
if ! command -v podman >/dev/null || ! command -v docker-compose >/dev/null || ! command -v debootstrap >/dev/null; then
	apt-get update -qq && apt-get install -y -qq podman docker-compose debootstrap runc
fi
"$PYTHON" -c 'import aiohttp, aiogram' || { echo "run.sh: PYTHON=$PYTHON lacks the project's packages"; exit 2; }

# Podman: runc, and limits no higher than the host's: a VM that refuses a container's rlimits
# above its own fails Podman's default nofile of 1048576. Soft = hard, because Podman 4.3's
# Docker API swaps the two of containers.conf's "nofile=SOFT:HARD" (hard below soft: refused).
CONF=/etc/containers/containers.conf
CONF_BEFORE=$(cat "$CONF" 2>/dev/null || true)
# nproc: at most kernel.pid_max (a VM with pid_max 32768 refused its own hard limit of
# 96365 with "operation not permitted").
NOFILE=$(ulimit -Hn) NPROC=$(ulimit -Hu) PIDMAX=$(cat /proc/sys/kernel/pid_max)
[ "$NOFILE" = unlimited ] && NOFILE=1048576
{ [ "$NPROC" = unlimited ] || [ "$NPROC" -gt "$PIDMAX" ]; } && NPROC=$PIDMAX
if [ ! -f "$CONF" ] || ! grep -q '^default_ulimits' "$CONF"; then
	[ -f "$CONF" ] && cp "$CONF" "$CONF.before-gridbot-sandbox"
	printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n\n[engine]\nruntime = "runc"\n' \
		"$NOFILE" "$NOFILE" "$NPROC" "$NPROC" > "$CONF"
else
	sed -i "s/^default_ulimits.*/default_ulimits = [\"nofile=$NOFILE:$NOFILE\", \"nproc=$NPROC:$NPROC\"]/" "$CONF"
fi

for image in python:3.11-slim postgres:16 redis:7 caddy:2; do
	if [ "${IMAGES:-}" = rebuild ] || ! podman image exists "localhost/$image"; then
		"$HERE/images.sh"
		break
	fi
done

# The deployment's own files, for the sandbox only; a real deploy/.env is never touched.
if [ -f "$DEPLOY/.env" ] && ! grep -qx "$MARK" "$DEPLOY/.env"; then
	echo "run.sh: $DEPLOY/.env is not a sandbox one; move it away first"; exit 2
fi
cat > "$DEPLOY/.env" <<EOF
$MARK
GRIDBOT_TELEGRAM__TOKEN=123456:SANDBOX-TOKEN-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
GRIDBOT_TELEGRAM__WEBHOOK_SECRET=sandbox_$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
BOT_DOMAIN=localhost
POSTGRES_PASSWORD=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
GRIDBOT_TELEGRAM__API_BASE=http://$SUBNET.1:8081
EOF
mkdir -p "$DEPLOY/config"
if [ -f "$DEPLOY/config/org.toml" ] && ! cmp -s "$ROOT/examples/org.example.toml" "$DEPLOY/config/org.toml"; then
	echo "run.sh: $DEPLOY/config/org.toml is not the example organisation; move it away first"; exit 2
fi
cp "$ROOT/examples/org.example.toml" "$DEPLOY/config/org.toml"

STARTED_SERVICE=
DANGLING_BEFORE=$(podman images -q --no-trunc -f dangling=true | sort)
teardown() {
	if [ -z "${KEEP:-}" ]; then
		compose down -v --remove-orphans >/dev/null 2>&1 || true
		# Images this run left unnamed (the version the upgrade replaced): 945 MB apiece.
		comm -13 <(echo "$DANGLING_BEFORE") <(podman images -q --no-trunc -f dangling=true | sort) |
			xargs -r podman rmi >/dev/null 2>&1 || true
		podman network rm "$NET" >/dev/null 2>&1 || true
		rm -f "$DEPLOY/.env" "$DEPLOY/config/org.toml"
		rmdir "$DEPLOY/config" 2>/dev/null || true
		[ -n "$STARTED_SERVICE" ] && kill "$STARTED_SERVICE" 2>/dev/null || true
	else
		echo "kept running; to remove: (cd deploy && DOCKER_HOST=$DOCKER_HOST docker-compose -f compose.yaml" \
			"-f sandbox/compose.sandbox.yaml down -v); podman network rm $NET" \
			"${STARTED_SERVICE:+; kill $STARTED_SERVICE (the Podman service)}"
	fi
}
trap teardown EXIT
if curl -sf --unix-socket "$SOCK" http://podman/_ping >/dev/null 2>&1; then
	[ "$(cat "$CONF")" = "$CONF_BEFORE" ] ||
		echo "run.sh: $CONF changed; the Podman service already running still has the old one: restart it"
else
	mkdir -p /run/podman
	podman system service --time=0 "unix://$SOCK" > /tmp/gridbot-sandbox-podman.log 2>&1 &
	STARTED_SERVICE=$!
	for _ in $(seq 50); do curl -sf --unix-socket "$SOCK" http://podman/_ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
compose down -v --remove-orphans >/dev/null 2>&1 || true  # a run before this one, interrupted
podman network exists "$NET" || podman network create --subnet "$SUBNET.0/24" --gateway "$SUBNET.1" "$NET" >/dev/null

echo "== docker-compose build"
start=$(date +%s)
compose build >/tmp/gridbot-sandbox-build.log 2>&1 || { tail -30 /tmp/gridbot-sandbox-build.log; echo FAIL: build; exit 1; }
echo "  image built in $(( $(date +%s) - start ))s ($(podman image inspect gridbot:latest --format '{{.Size}}') bytes)"

cd "$ROOT" && PYTHONPATH=$ROOT "$PYTHON" "$HERE/smoke.py"
