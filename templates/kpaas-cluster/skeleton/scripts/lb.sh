#!/bin/bash
# HAProxy + keepalived on an lb machine: HAProxy spreads the API port over the control planes,
# keepalived moves the VIP between the two lb machines (VRRP). Skips when already configured.
# env: VIP, API_PORT, BACKENDS ("name=address:port ..."), VRRP_PRIORITY (e.g. 150 / 100),
#      VRRP_ROUTER_ID, VRRP_PASSWORD (secret: arrives on stdin via kpaas, never in argv)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_env VIP API_PORT BACKENDS VRRP_PRIORITY VRRP_ROUTER_ID VRRP_PASSWORD

# Interface that carries the route to the VIP
iface=${VRRP_INTERFACE:-$(ip -o route get "$VIP" 2>/dev/null | sed -n 's/.* dev \([^ ]*\).*/\1/p')}
iface=${iface:-eth0}

if ! state_done lb-packages; then
  log "installing haproxy and keepalived"
  apt-get update -q
  apt-get install -y -q haproxy keepalived
  mark_done lb-packages
else
  skip "haproxy and keepalived already installed"
fi

servers=""
for b in $BACKENDS; do
  servers+="    server ${b%%=*} ${b#*=} check check-ssl verify none"$'\n'
done
changed=0
write_if_changed /etc/haproxy/haproxy.cfg 0644 <<CFG && changed=1
# managed by kpaas:bootstrap
global
    log /dev/log local0
    daemon
defaults
    mode tcp
    timeout connect 5s
    timeout client 1h
    timeout server 1h
frontend kube-apiserver
    bind *:$API_PORT
    default_backend kube-apiserver
backend kube-apiserver
    option httpchk GET /healthz
    http-check expect status 200
    balance roundrobin
$servers
CFG
# keepalived.conf holds the VRRP password: readable by root only
write_if_changed /etc/keepalived/keepalived.conf 0600 <<CFG && changed=1
# managed by kpaas:bootstrap
vrrp_script chk_haproxy {
    script "/usr/bin/killall -0 haproxy"
    interval 2
}
vrrp_instance kpaas_api {
    state BACKUP
    interface $iface
    virtual_router_id $VRRP_ROUTER_ID
    priority $VRRP_PRIORITY
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass $VRRP_PASSWORD
    }
    virtual_ipaddress {
        $VIP
    }
    track_script {
        chk_haproxy
    }
}
CFG
systemctl enable haproxy keepalived
if [[ $changed == 1 ]]; then
  systemctl restart haproxy keepalived
  log "haproxy and keepalived configured (VIP $VIP on $iface)"
else
  systemctl start haproxy keepalived
  skip "haproxy and keepalived configuration unchanged"
fi
