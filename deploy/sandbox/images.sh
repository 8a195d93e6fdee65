#!/bin/bash
# Stand-ins for the images deploy/ names (python:3.11-slim, postgres:16, redis:7, caddy:2),
# built from Debian bookworm's packages where Docker Hub cannot be reached: debootstrap, then
# apt-get in a chroot, then `podman import` under the name the compose file and Dockerfile use
# (Podman looks for a short name under localhost/ first). See docs/deployment.md, "Run on a
# machine without Docker Hub". Root only. Usage: deploy/sandbox/images.sh [WORKDIR]
set -euo pipefail
WORK=${1:-/var/tmp/gridbot-sandbox-images}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
BASE=$WORK/base
mkdir -p "$WORK"

in_root() {  # in_root DIR CMD...: run CMD in the chroot with /proc mounted
	local dir=$1; shift
	mount -t proc proc "$dir/proc"
	local rc=0
	chroot "$dir" env DEBIAN_FRONTEND=noninteractive "$@" || rc=$?
	umount "$dir/proc"
	return $rc
}

apt_in() {  # apt_in DIR PACKAGE...
	local dir=$1; shift
	cp /etc/resolv.conf "$dir/etc/resolv.conf"
	echo "apt-get install $* into $dir (log: $WORK/apt.log)"
	in_root "$dir" apt-get update -qq >> "$WORK/apt.log" 2>&1
	in_root "$dir" apt-get install -y -qq --no-install-recommends "$@" >> "$WORK/apt.log" 2>&1
	in_root "$dir" apt-get clean
	rm -rf "$dir"/var/lib/apt/lists/*
}

import_image() {  # import DIR NAME --change ...: the directory as a one-layer image
	local dir=$1 name=$2; shift 2
	tar -C "$dir" --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* -c . |
		podman import "$@" - "$name" >/dev/null 2>&1
	echo "image $name: $(podman image inspect "$name" --format '{{.Size}}') bytes"
}

if [ ! -x "$BASE/usr/bin/python3" ]; then
	rm -rf "$BASE"
	# python:3.11-slim's part: Python 3.11 with pip, CA certificates; services never start.
	debootstrap --variant=minbase --include=python3,python3-pip,python3-venv,ca-certificates \
		bookworm "$BASE" "$MIRROR" > "$WORK/debootstrap.log"
	printf '#!/bin/sh\nexit 101\n' > "$BASE/usr/sbin/policy-rc.d" && chmod +x "$BASE/usr/sbin/policy-rc.d"
	echo "deb $MIRROR bookworm main" > "$BASE/etc/apt/sources.list"
fi
# The host's CA bundle: where the registries are reached through a proxy with its own CA,
# pip inside the build trusts what the host trusts.
cp /etc/ssl/certs/ca-certificates.crt "$BASE/etc/ssl/certs/ca-certificates.crt"
rm -f "$BASE"/usr/lib/python3.*/EXTERNALLY-MANAGED  # the official image's pip installs system-wide
ln -sf /usr/bin/python3 "$BASE/usr/local/bin/python"
ln -sf /usr/bin/pip3 "$BASE/usr/local/bin/pip"
import_image "$BASE" localhost/python:3.11-slim --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]'

fresh() {  # fresh NAME: a copy of the base to add a service to
	rm -rf "${WORK:?}/$1" && cp -a "$BASE" "$WORK/$1" && echo "$WORK/$1"
}

# postgres:16's part: the server, and an entrypoint doing what the official one does on a first
# start (POSTGRES_USER with POSTGRES_PASSWORD, POSTGRES_DB, listen on all, scram for TCP).
PG=$(fresh postgres)
apt_in "$PG" postgresql-15 gosu
# Debian's package made a cluster "main", on port 5433 if the host's 5432 was taken during the
# install (the chroot shares the host's network): pg_isready and psql would then look there.
in_root "$PG" pg_dropcluster 15 main || true
cat > "$PG/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# Stand-in for the postgres image's entrypoint: first start creates the cluster, the
# POSTGRES_USER with POSTGRES_PASSWORD, and POSTGRES_DB; then runs postgres listening on all.
set -e
BIN=/usr/lib/postgresql/15/bin
PGDATA=/var/lib/postgresql/data
mkdir -p "$PGDATA" /run/postgresql
chown -R postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  printf '%s\n' "$POSTGRES_PASSWORD" > /tmp/pw && chown postgres /tmp/pw
  gosu postgres "$BIN/initdb" -D "$PGDATA" -U "${POSTGRES_USER:-postgres}" --pwfile=/tmp/pw --auth-local=trust --auth-host=scram-sha-256
  rm -f /tmp/pw
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  gosu postgres "$BIN/pg_ctl" -D "$PGDATA" -w -o "-c listen_addresses=''" start
  gosu postgres createdb -U "${POSTGRES_USER:-postgres}" "${POSTGRES_DB:-${POSTGRES_USER:-postgres}}" || true
  gosu postgres "$BIN/pg_ctl" -D "$PGDATA" -w stop
fi
exec gosu postgres "$BIN/postgres" -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/run/postgresql
EOF
chmod +x "$PG/usr/local/bin/docker-entrypoint.sh"
import_image "$PG" localhost/postgres:16 --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
	--change 'STOPSIGNAL SIGINT' --change 'EXPOSE 5432' --change 'ENV LANG=C.UTF-8'

# redis:7's part: the server; the official image turns protected mode off so that other
# containers may connect.
RD=$(fresh redis)
apt_in "$RD" redis-server
cat > "$RD/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# Stand-in for the redis image: its build turns protected mode off so other containers connect.
if [ "$1" = "redis-server" ]; then shift; exec redis-server "$@" --protected-mode no; fi
exec "$@"
EOF
chmod +x "$RD/usr/local/bin/docker-entrypoint.sh"
import_image "$RD" localhost/redis:7 --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
	--change 'CMD ["redis-server"]' --change 'EXPOSE 6379'

# caddy:2's part: the server, its config and data where the official image keeps them.
CD=$(fresh caddy)
apt_in "$CD" caddy
mkdir -p "$CD/config" "$CD/data"
import_image "$CD" localhost/caddy:2 --change 'ENV XDG_CONFIG_HOME=/config' --change 'ENV XDG_DATA_HOME=/data' \
	--change 'EXPOSE 80' --change 'EXPOSE 443' \
	--change 'CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]'
