"""Seed configs and change snippets for the deploy tests (lab routers R1..Rn)."""

from __future__ import annotations

PSK_REF = "<secret:psk/{a}--{b}>"
PSK_VALUE = "Zq9-lab-psk-{a}-{b}-7fK2mVx0pLr8sT4wYb6nQe3"


def seed(n: int) -> str:
    """Base config of lab router ``R<n>`` (WAN 198.51.100.n/24, archive, SCP, file prompt)."""
    return f"""!
version 17.3
service timestamps debug datetime msec
!
hostname R{n}
!
no aaa new-model
!
file prompt quiet
!
username greios privilege 15 secret 9 $9$abcdefghijklmnopqrstuvwxyz
!
archive
 path flash:archive
 write-memory
!
interface Loopback0
 ip address 10.0.0.{n} 255.255.255.255
!
interface GigabitEthernet1
 description WAN
 ip address 198.51.100.{n} 255.255.255.0
 negotiation auto
!
ip forward-protocol nd
no ip http server
ip scp server enable
ip route 0.0.0.0 0.0.0.0 198.51.100.254
!
line vty 0 4
 login local
 transport input ssh
!
end
"""


def tunnel_change(a: int, b: int, *, tunnel: int = 10, ip_mtu: int = 1400) -> str:
    """IKEv2 + IPsec-protected GRE tunnel from R<a> to R<b> (PSK as a secret reference)."""
    lo, hi = min(a, b), max(a, b)
    mine = 1 if a == lo else 2
    ref = PSK_REF.format(a=f"R{lo}", b=f"R{hi}")
    return f"""crypto ikev2 proposal PROP-1
 encryption aes-cbc-256
 integrity sha256
 group 14
crypto ikev2 policy POL-1
 proposal PROP-1
crypto ikev2 keyring KR-1
 peer R{b}
  address 198.51.100.{b}
  pre-shared-key {ref}
crypto ikev2 profile IKEV2-PROF
 match identity remote address 198.51.100.{b} 255.255.255.255
 authentication remote pre-share
 authentication local pre-share
 keyring local KR-1
crypto ipsec transform-set TS-1 esp-aes 256 esp-sha256-hmac
 mode transport
crypto ipsec profile IPSEC-PROF
 set transform-set TS-1
 set ikev2-profile IKEV2-PROF
interface Tunnel{tunnel}
 description to R{b}
 ip address 10.255.{lo}{hi}.{mine} 255.255.255.252
 ip mtu {ip_mtu}
 ip tcp adjust-mss {ip_mtu - 40}
 tunnel source GigabitEthernet1
 tunnel destination 198.51.100.{b}
 tunnel protection ipsec profile IPSEC-PROF
"""


def peer_address(a: int, b: int) -> str:
    lo, hi = min(a, b), max(a, b)
    return f"10.255.{lo}{hi}.{2 if a == lo else 1}"


def resolve(text: str) -> str:
    """Turn the test's secret references into keys (the lead's SecretStore does this)."""
    import re

    return re.sub(r"<secret:psk/(R\d+)--(R\d+)>",
                  lambda m: PSK_VALUE.format(a=m.group(1), b=m.group(2)), text)
