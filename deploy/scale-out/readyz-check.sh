#!/bin/sh
# Active health checks for nginx: every second, GET /readyz on each instance; the ready ones are
# written as servers of upstream.conf, the others as `down`; nginx reloads when the file changes.
# usage: readyz-check.sh <nginx prefix dir> <nginx.conf> host:port ...
set -u
dir=$1; conf=$2; shift 2
while :; do
  next="$dir/upstream.conf.next"
  : > "$next"
  for backend in "$@"; do
    if curl -fsS -m 2 -o /dev/null "http://$backend/readyz"; then
      echo "server $backend max_fails=2 fail_timeout=5s;" >> "$next"
    else
      echo "server $backend down;" >> "$next"
    fi
  done
  if ! cmp -s "$next" "$dir/upstream.conf"; then
    mv "$next" "$dir/upstream.conf"
    echo "$(date -u +%FT%TZ) upstream: $(tr '\n' ' ' < "$dir/upstream.conf")"
    [ -f "$dir/nginx.pid" ] && nginx -p "$dir" -c "$conf" -s reload
  fi
  sleep 1
done
