#!/usr/bin/env bash
# Provides what the service tests need, on a Debian machine: nginx with its stream module,
# PostgreSQL on 127.0.0.1:5432 (user postgres, database test, trust auth on loopback) and Redis on
# 127.0.0.1:6379. What is installed but stopped is started; what is absent is installed from
# Debian's packages when this runs as root with apt-get (MCPFORGE_INSTALL=0 forbids installing).
# Where it cannot, it says what to install and goes on: the tests that need it then fail in CI
# (CI=true) and are skipped, loudly, elsewhere. Never fails by itself.
set -uo pipefail

say() { printf '[test-services] %s\n' "$*"; }
missing=()

can_install() {
  [[ "${MCPFORGE_INSTALL:-1}" != 0 && "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1
}
apt_updated=0
apt_install() {
  if ! can_install; then return 1; fi
  if [[ $apt_updated == 0 ]]; then
    say "apt-get update"
    apt-get update -qq >/dev/null 2>&1 || true
    apt_updated=1
  fi
  say "installing $* (Debian packages)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- nginx and its stream module (the TLS passthrough layout) ---
stream_module() {
  [[ -e /usr/lib/nginx/modules/ngx_stream_module.so ]] || nginx -V 2>&1 | grep -q -- '--with-stream\b'
}
if ! command -v nginx >/dev/null 2>&1; then
  apt_install nginx-light libnginx-mod-stream || apt_install nginx libnginx-mod-stream || true
fi
if command -v nginx >/dev/null 2>&1 && ! stream_module; then
  apt_install libnginx-mod-stream || true
fi
if ! command -v nginx >/dev/null 2>&1; then
  missing+=("nginx (Debian: apt-get install nginx-light libnginx-mod-stream)")
elif ! stream_module; then
  missing+=("nginx's stream module (Debian: apt-get install libnginx-mod-stream)")
else
  say "nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //'), stream module present"
  # The tests run their own nginx processes; a distribution service left running is not needed.
fi

# --- PostgreSQL ---
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1; }
pg_version() { ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1; }
if ! pg_up; then
  if [[ -z "$(pg_version)" ]]; then apt_install postgresql || true; fi
  version="$(pg_version)"
  if [[ -n "$version" ]] && command -v pg_ctlcluster >/dev/null 2>&1; then
    if [[ ! -d "/etc/postgresql/$version/main" ]] && [[ "$(id -u)" == 0 ]]; then
      say "creating PostgreSQL $version cluster main"
      pg_createcluster "$version" main >/dev/null
    fi
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    # Tests connect as postgres without a password on loopback (a test machine, never production).
    if [[ -w "$hba" ]] && ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
      say "PostgreSQL: trust auth for 127.0.0.1 in $hba (test machine)"
      sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
    say "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || pg_ctlcluster --skip-systemctl-redirect "$version" main restart >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do pg_up && break; sleep 0.2; done
  fi
fi
if pg_up; then
  if ! psql -h 127.0.0.1 -U postgres -d test -tAc 'select 1' >/dev/null 2>&1; then
    psql -h 127.0.0.1 -U postgres -d postgres -tAc 'create database test' >/dev/null 2>&1 \
      || runuser -u postgres -- psql -d postgres -tAc 'create database test' >/dev/null 2>&1 || true
  fi
  if psql -h 127.0.0.1 -U postgres -d test -tAc 'select 1' >/dev/null 2>&1; then
    say "PostgreSQL: 127.0.0.1:5432, database test, user postgres"
  else
    missing+=("PostgreSQL database test for user postgres with trust auth on 127.0.0.1 (see pg_hba.conf)")
  fi
else
  missing+=("PostgreSQL on 127.0.0.1:5432 (Debian: apt-get install postgresql, then pg_ctlcluster <version> main start)")
fi

# --- Redis ---
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if ! redis_up; then
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server || true
  if command -v redis-server >/dev/null 2>&1; then
    say "starting Redis on 127.0.0.1:6379 (nothing kept on disk)"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no --dir /tmp --logfile /tmp/mcpforge-test-redis.log >/dev/null
    for _ in $(seq 1 50); do redis_up && break; sleep 0.1; done
  fi
fi
if redis_up; then
  say "Redis: 127.0.0.1:6379"
else
  missing+=("Redis on 127.0.0.1:6379 (Debian: apt-get install redis-server)")
fi
command -v redis-server >/dev/null 2>&1 || missing+=("redis-server binary for the fault test (Debian: apt-get install redis-server)")

# --- promtool (checks deploy/prometheus/alerts.yml; Debian ships it with the prometheus package) ---
command -v promtool >/dev/null 2>&1 || apt_install prometheus || true
command -v promtool >/dev/null 2>&1 || missing+=("promtool for the alert rules check (Debian: apt-get install prometheus)")

# --- etcd (the service registry tests start their own etcd process on free ports) ---
command -v etcd >/dev/null 2>&1 || apt_install etcd-server || true
command -v etcd >/dev/null 2>&1 || missing+=("etcd for the service registry and gateway tests (Debian: apt-get install etcd-server)")

if ((${#missing[@]} > 0)); then
  say "NOT AVAILABLE — the tests that need these will fail in CI and be skipped elsewhere:"
  for m in "${missing[@]}"; do say "  - $m"; done
  if ! can_install; then say "  (not installing: run as root on Debian with apt-get, and MCPFORGE_INSTALL unset)"; fi
fi
exit 0
