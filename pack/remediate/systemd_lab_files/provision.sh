#!/bin/sh
# Runs once in the chroot when the root filesystem is built (its text is part of the
# recipe hash). Per-boot settings (ports, keys) are written by systemd_lab.py before boot.
set -eu
useradd --create-home --shell /bin/bash --groups sudo ops
echo 'ops ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/ops
chmod 0440 /etc/sudoers.d/ops
rm -f /etc/nginx/sites-enabled/default /etc/ssh/ssh_host_*
install -d -m 0755 /usr/local/lib/webapp /var/log/app
install -m 0755 /tmp/lab/webapp.py /usr/local/lib/webapp/webapp.py
install -m 0644 /tmp/lab/webapp.service /tmp/lab/memhog.service /tmp/lab/flapper.service /etc/systemd/system/
install -m 0644 /tmp/lab/fill-app-logs.sh /usr/local/sbin/lab-fill-app-logs
chmod 0755 /usr/local/sbin/lab-fill-app-logs
# The allowlisted runaway: a real executable named "runaway" (coreutils' yes).
install -m 0755 /usr/bin/yes /usr/local/bin/runaway
systemctl enable webapp.service
# Nothing in the lab needs these; they only slow the boot or touch the network.
systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
  systemd-networkd-wait-online.service systemd-timesyncd.service 2>/dev/null || true
echo 'Storage=persistent' >> /etc/systemd/journald.conf
install -d -m 2755 -g systemd-journal /var/log/journal
apt-get clean
rm -rf /var/lib/apt/lists/* /tmp/lab
