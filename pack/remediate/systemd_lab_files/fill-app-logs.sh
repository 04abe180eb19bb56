#!/bin/sh
# The "full log directory" failure: fill /var/log/app (a small tmpfs) with what a month of
# logrotate leaves behind: numbered, compressed and date-suffixed rotations, all old,
# plus today's live log. Random bytes, so compression cannot shrink them.
set -eu
dir=/var/log/app
cd "$dir"
blob() { head -c "$2" /dev/urandom > "$1"; }
i=0
while [ $i -lt 14 ]; do
  i=$((i + 1))
  age="$((60 - i)) days ago"
  day=$(date -d "$age" +%Y%m%d)
  case $((i % 3)) in
    0) name="app.log-$day.gz" ;;
    1) name="app.log-$day" ;;
    2) name="app.log.$i.gz" ;;
  esac
  blob "$name" 3500000
  touch -d "$age" "$name"
done
blob app.log.1 1500000
touch -d '1 day ago' app.log.1
blob app.log 1000000
chown -R www-data:adm "$dir"
df -P "$dir" | tail -1
