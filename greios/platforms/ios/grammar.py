"""Per-mode IOS configuration grammar of the simulated router (data, no logic).

Each mode maps to a list of :class:`Rule`. A rule's ``pattern`` must match the whole
(stripped) command. ``opens`` names the sub-mode the command enters (a block opener);
``key`` is a regex whose match (or its groups) identifies the value that a new line
replaces (``ip address``, ``tunnel destination``, ``set pfs`` ...); without ``key`` a leaf
is multi-valued and only identical lines are de-duplicated. ``neg`` means ``no <cmd>`` is
itself shown in the running-config (``no ip redirects``, ``no service pad``).

The prompt suffix of each mode is in :data:`PROMPTS` (``R1(config-if)#``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rule:
    pattern: str
    opens: str | None = None
    key: str | None = None
    neg: bool = False
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)
    key_regex: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    literal: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern, re.I))
        object.__setattr__(self, "key_regex", re.compile(self.key, re.I) if self.key else None)
        words: list[str] = []
        for word in self.pattern.split(" "):
            if re.search(r"[\\()\[\]|.*+?{}^$]", word):
                break
            words.append(word.lower())
        object.__setattr__(self, "literal", tuple(words))

    def key_of(self, line: str) -> str:
        """Identity of ``line`` under this rule (lines with equal keys replace each other)."""
        if self.key_regex is None:
            return line
        m = self.key_regex.match(line)
        if m is None:
            return line
        if m.groups():
            return self.key_regex.pattern + "|" + "|".join(g or "" for g in m.groups())
        return m.group(0).lower().strip()


def R(pattern: str, opens: str | None = None, key: str | None = None, neg: bool = False) -> Rule:  # noqa: N802
    return Rule(pattern, opens, key, neg)


def _words(words: str, tail: str = r"( .*)?") -> str:
    return "(?:" + "|".join(words.split()) + ")" + tail


PROMPTS: dict[str, str] = {
    "global": "config",
    "if": "config-if",
    "isakmp-policy": "config-isakmp",
    "isakmp-profile": "conf-isa-prof",
    "keyring": "conf-keyring",
    "ikev2-proposal": "config-ikev2-proposal",
    "ikev2-policy": "config-ikev2-policy",
    "ikev2-keyring": "config-ikev2-keyring",
    "ikev2-keyring-peer": "config-ikev2-keyring-peer",
    "ikev2-profile": "config-ikev2-profile",
    "transform-set": "cfg-crypto-trans",
    "ipsec-profile": "ipsec-profile",
    "crypto-map": "config-crypto-map",
    "pki-trustpoint": "ca-trustpoint",
    "cert-chain": "config-cert-chain",
    "pubkey": "config-pubkey",
    "router": "config-router",
    "router-af": "config-router-af",
    "ext-nacl": "config-ext-nacl",
    "std-nacl": "config-std-nacl",
    "ipv6-acl": "config-ipv6-acl",
    "line": "config-line",
    "archive": "config-archive",
    "archive-log": "config-archive-log-cfg",
    "vrf": "config-vrf",
    "vrf-af": "config-vrf-af",
    "route-map": "config-route-map",
    "control-plane": "config-cp",
    "class-map": "config-cmap",
    "policy-map": "config-pmap",
    "policy-class": "config-pmap-c",
    "key-chain": "config-keychain",
    "key-chain-key": "config-keychain-key",
    "dhcp-pool": "dhcp-config",
    "track": "config-track",
    "unknown": "config-unknown",
}

# Commands that leave a sub-mode one level up (besides `exit`).
EXIT_WORDS = {"exit-address-family", "exit-peer-config", "exit-af-interface",
              "exit-af-topology", "exit-vrf", "quit", "exit-peer-policy"}

_GLOBAL_IP = _words(
    "domain-name name-server scp ssh http cef forward-protocol prefix-list sla tcp icmp "
    "multicast-routing nat bgp-community community-list as-path flow-export finger "
    "subnet-zero classless host source-route options ftp tftp rcmd telnet routing radius "
    "tacacs audit inspect wccp default-gateway gratuitous-arps bootp local "
    "accounting-threshold arp explicit-path dns dhcp-client igmp pim mroute "
    "flow-cache flow domain-lookup ips verify rsvp gdoi"
)

GRAMMAR: dict[str, list[Rule]] = {
    "global": [
        R(r"interface (\S+)( point-to-point| multipoint)?", "if", r"interface (\S+)"),
        R(r"crypto isakmp policy \d+", "isakmp-policy"),
        R(r"crypto isakmp profile \S+", "isakmp-profile"),
        R(r"crypto isakmp key( [06])? \S+ (address \S+( \S+)?|hostname \S+)( no-xauth)?",
          key=r"crypto isakmp key(?: [06])? \S+ (address \S+(?: \S+)?|hostname \S+)"),
        R(r"crypto isakmp (keepalive|nat|invalid-spi-recovery|identity|aggressive-mode|"
          r"fragmentation|enable|xauth|client)( .*)?", key=r"crypto isakmp \S+( \S+)?"),
        R(r"crypto keyring \S+( vrf \S+)?", "keyring", r"crypto keyring (\S+)"),
        R(r"crypto ikev2 proposal \S+", "ikev2-proposal"),
        R(r"crypto ikev2 policy \S+", "ikev2-policy"),
        R(r"crypto ikev2 keyring \S+", "ikev2-keyring"),
        R(r"crypto ikev2 profile \S+", "ikev2-profile"),
        R(r"crypto ikev2 (nat|dpd|cookie-challenge|limit|diagnose|fragmentation|"
          r"redirect|window|http-url|certificate-cache)( .*)?", key=r"crypto ikev2 \S+"),
        R(r"crypto ipsec transform-set \S+ .+", "transform-set",
          r"crypto ipsec transform-set (\S+)"),
        R(r"crypto ipsec profile \S+", "ipsec-profile"),
        R(r"crypto ipsec (df-bit|nat-transparency|security-association|fragmentation|"
          r"optional|client|ipv4-deny)( .*)?", key=r"crypto ipsec \S+( \S+)?"),
        R(r"crypto (dynamic-)?map \S+ \d+( ipsec-isakmp( dynamic \S+)?| ipsec-manual| gdoi)?",
          "crypto-map", r"crypto (?:dynamic-)?map (\S+ \d+)"),
        R(r"crypto map \S+ (local-address|redundancy|isakmp-profile|client)( .*)?"),
        R(r"crypto pki trustpoint \S+", "pki-trustpoint"),
        R(r"crypto pki certificate chain \S+", "cert-chain"),
        R(r"crypto pki (trustpool|certificate map|server|token|profile)( .*)?"),
        R(r"crypto (key|logging|engine|ca|ssl|ssh|gdoi|call|vpn|mib|ctcp)( .*)?"),
        R(r"router (ospf|eigrp|bgp|rip|isis|ospfv3|odr|mobile|lisp)( .*)?", "router"),
        R(r"ip access-list extended \S+", "ext-nacl"),
        R(r"ip access-list standard \S+", "std-nacl"),
        R(r"ip access-list (log-update|logging|resequence|role-based)( .*)?"),
        R(r"ipv6 access-list \S+", "ipv6-acl"),
        R(r"line (con|console|aux|vty|tty|\d+)( .*)?", "line"),
        R(r"archive", "archive"),
        R(r"vrf definition \S+", "vrf"),
        R(r"ip vrf \S+", "vrf"),
        R(r"route-map \S+( (permit|deny))?( \d+)?", "route-map",
          r"route-map (\S+)(?: (?:permit|deny))?(?: (\d+))?"),
        R(r"control-plane( host)?", "control-plane"),
        R(r"class-map( type \S+)?( match-any| match-all)? \S+", "class-map"),
        R(r"policy-map( type \S+)? \S+", "policy-map"),
        R(r"key chain \S+", "key-chain"),
        R(r"ip dhcp pool \S+", "dhcp-pool"),
        R(r"track \d+ .+", "track", r"track (\d+)"),
        R(r"hostname \S+", key=r"hostname"),
        R(r"version \S+", key=r"version"),
        R(r"enable (secret|password)( .*)?", key=r"enable (secret|password)"),
        R(r"username \S+( .*)?", key=r"username (\S+)"),
        R(r"ip domain[ -]name \S+", key=r"ip domain[ -]name"),
        R(r"ip domain[ -]lookup( .*)?", neg=True),
        R(r"ip scp server enable"),
        R(r"ip ssh version \d", key=r"ip ssh version"),
        R(r"ip (http|finger|source-route|bootp|domain-lookup|gratuitous-arps|cef|routing|"
          r"subnet-zero|classless)( .*)?", neg=True),
        R(r"ip route( vrf \S+)? \S+ \S+ .+"),
        R(r"ip " + _GLOBAL_IP),
        R(r"ipv6 " + _words("unicast-routing cef route prefix-list router dhcp general-prefix "
                            "multicast-routing host nd local icmp")),
        R(r"file prompt( quiet| noisy)?", key=r"file prompt"),
        R(r"service \S+( .*)?", neg=True),
        R(r"clock (timezone|summer-time)( .*)?", key=r"clock (\S+)"),
        R(r"logging (buffered|console|monitor|trap|host|source-interface|rate-limit|"
          r"facility|snmp-authfail|origin-id|queue-limit|userinfo|count|persistent|"
          r"discriminator|event|history|on|reload|synchronous)( .*)?", neg=True),
        R(r"logging \S+"),
        R(r"ntp (server|peer|master|source|update-calendar|authenticate|"
          r"authentication-key|trusted-key|clock-period|access-group|logging)( .*)?",
          neg=True),
        R(r"snmp-server .+", neg=True),
        R(r"banner \S+ .*"),
        R(_words("boot-start-marker boot-end-marker aaa boot spanning-tree vtp cdp lldp "
                 "license platform redundancy multilink memory alias access-list "
                 "tacacs-server radius-server call-home diagnostic subscriber security "
                 "login process spd scheduler exception errdisable event kron mpls cpu "
                 "system card warm-reboot sdm mac power transceiver monitor udld "
                 "port-channel vlan dot1x authentication wsma resource parser privilege "
                 "dial-peer voice netconf netconf-yang restconf ipc virtual-service "
                 "identity cts object-group tftp-server network-clock-participate "
                 "network-clock-select hw-module mls qos vpdn isdn frame-relay "
                 "chat-script x25 gateway sccp telephony-service ephone fax modemcap "
                 "stcapp controller zone zone-pair parameter-map template "
                 "enable-password-encryption archive-path dspfarm vstack "
                 "device-tracking table-map diagnostic-signature pnp "
                 "username-password cwmp tacacs radius aaa-server"), neg=True),
    ],
    "if": [
        R(r"description .*", key=r"description"),
        R(r"ip address \S+ \S+", key=r"ip address(?! \S+ \S+ secondary)", neg=True),
        R(r"ip address dhcp( .*)?", key=r"ip address(?! \S+ \S+ secondary)"),
        R(r"ip address negotiated( .*)?", key=r"ip address(?! \S+ \S+ secondary)"),
        R(r"ip address \S+ \S+ secondary"),
        R(r"ip unnumbered \S+", key=r"ip (?:address|unnumbered)"),
        R(r"ip (mtu|tcp adjust-mss) \d+", key=r"ip (mtu|tcp adjust-mss)"),
        R(r"ip ospf (\d+ area \S+|cost \d+|network .+|priority \d+|hello-interval \d+|"
          r"dead-interval .+|mtu-ignore|authentication( .*)?|bfd|retransmit-interval \d+|"
          r"transmit-delay \d+|demand-circuit|resync-timeout \d+|flood-reduction|"
          r"database-filter .+|shutdown|ttl-security .+)",
          key=r"ip ospf (\d+ area|cost|network|priority|hello-interval|dead-interval|"
              r"authentication|retransmit-interval|transmit-delay)"),
        R(r"ip ospf message-digest-key .+"),
        R(r"ip nat (inside|outside)( .*)?", key=r"ip nat"),
        R(r"ip access-group \S+ (in|out)", key=r"ip access-group \S+ (in|out)"),
        R(r"ip (redirects|unreachables|proxy-arp|route-cache|mroute-cache|"
          r"directed-broadcast|mask-reply|split-horizon|local-proxy-arp|"
          r"information-reply|virtual-reassembly|cef)( .*)?", neg=True),
        R(r"ip " + _words(
            "helper-address pim igmp policy flow verify dhcp summary-address "
            "authentication hello-interval hold-time bandwidth-percent next-hop-self cgmp "
            "accounting load-sharing irdp wccp nbar inspect ips sla rip broadcast-address "
            "vrf multicast dampening-change")),
        R(r"ipv6 " + _words("address enable mtu tcp ospf nd traffic-filter redirects "
                             "unreachables eigrp rip verify dhcp mld pim policy "
                             "unnumbered"), neg=True),
        R(r"(mtu|bandwidth|delay|load-interval|carrier-delay|hold-queue \d+) .+",
          key=r"(mtu|bandwidth|delay|load-interval|carrier-delay|hold-queue \d+)"),
        R(r"shutdown"),
        R(r"keepalive( \d+( \d+)?)?", key=r"keepalive", neg=True),
        R(r"tunnel source \S+", key=r"tunnel source"),
        R(r"tunnel destination \S+", key=r"tunnel destination"),
        R(r"tunnel mode .+", key=r"tunnel mode"),
        R(r"tunnel vrf \S+", key=r"tunnel vrf"),
        R(r"tunnel protection ipsec profile \S+( shared)?", key=r"tunnel protection"),
        R(r"tunnel key \d+", key=r"tunnel key"),
        R(r"tunnel path-mtu-discovery( .*)?", key=r"tunnel path-mtu-discovery"),
        R(r"tunnel (checksum|sequence-datagrams|bandwidth .+|ttl \d+|tos \d+|"
          r"route-via .+|udlr .+|endpoint .+)", key=r"tunnel \S+"),
        R(r"(vrf forwarding|ip vrf forwarding) \S+", key=r"(?:ip )?vrf forwarding"),
        R(r"crypto map \S+( redundancy.*)?", key=r"crypto map"),
        R(r"crypto ipsec df-bit (clear|set|copy)", key=r"crypto ipsec df-bit"),
        R(r"(cdp enable|mop enabled|mop sysid|negotiation auto|lldp (transmit|receive)|"
          r"keepalive|fair-queue|logging event .+|snmp trap .+|autostate)", neg=True),
        R(r"(duplex|speed|media-type|encapsulation|clock rate|service-policy (input|output)"
          r"|channel-group|switchport mode|switchport access vlan|standby \d+ priority)"
          r"( .*)?",
          key=r"(duplex|speed|media-type|encapsulation|clock rate|"
              r"service-policy (?:input|output)|channel-group|switchport mode|"
              r"switchport access vlan|standby \d+ priority)"),
        R(_words("switchport spanning-tree standby vrrp ppp pppoe pppoe-client dialer "
                 "mpls bfd power auto qos priority-queue srr-queue mls vlan-id macro "
                 "authentication dot1x mab random-detect dsu framing linecode cablelength "
                 "frame-relay x25 zone-member platform udld flowcontrol source "
                 "device-tracking nat66 storm-control arp negotiation no-keepalive "
                 "isis clns glbp hsrp peer lldp cdp nameif security-level vlan "
                 "service-module ntp small-frame wrr-queue rep rmon access-expression "
                 "ethernet sla policy traffic-shape rate-limit custom-queue-list "
                 "priority-group tx-ring-limit max-reserved-bandwidth backup pos "
                 "atm pvc bridge-group fair-queue")),
    ],
    "isakmp-policy": [
        R(r"encr(yption)? (des|3des|aes( \d+)?)", key=r"encr"),
        R(r"hash \S+", key=r"hash"),
        R(r"authentication \S+", key=r"authentication"),
        R(r"group \d+", key=r"group"),
        R(r"lifetime \d+", key=r"lifetime"),
    ],
    "isakmp-profile": [
        R(r"vrf \S+", key=r"vrf"),
        R(r"keyring \S+"),
        R(r"ca trust-point \S+"),
        R(r"match identity .+"),
        R(r"local-address \S+", key=r"local-address"),
        R(r"keepalive .+", key=r"keepalive"),
        R(r"self-identity .+", key=r"self-identity"),
        R(r"initiate mode .+", key=r"initiate mode"),
        R(r"description .*", key=r"description"),
        R(r"(qos-group|virtual-template|accounting|client|isakmp) .+"),
    ],
    "keyring": [
        R(r"local-address .+", key=r"local-address"),
        R(r"pre-shared-key (address \S+( \S+)?|hostname \S+) key .+",
          key=r"pre-shared-key (address \S+(?: (?!key)\S+)?|hostname \S+)"),
        R(r"description .*", key=r"description"),
        R(r"rsa-pubkey .+"),
    ],
    # allowed values: ios-cli-behaviour §4.2 (`encryption 3des` is valid here, row 13)
    "ikev2-proposal": [
        R(r"encryption( (3des|des|aes-cbc-(128|192|256)|aes-gcm-(128|256)))+",
          key=r"encryption"),
        R(r"integrity( (md5|sha1|sha256|sha384|sha512))+", key=r"integrity"),
        R(r"prf( (md5|sha1|sha256|sha384|sha512))+", key=r"prf"),
        R(r"group( (1|2|5|14|15|16|19|20|21|24))+", key=r"group"),
    ],
    "ikev2-policy": [
        R(r"proposal \S+"),
        R(r"match fvrf \S+", key=r"match fvrf"),
        R(r"match address local .+"),
        R(r"description .*", key=r"description"),
    ],
    "ikev2-keyring": [R(r"peer \S+", "ikev2-keyring-peer")],
    "ikev2-keyring-peer": [
        R(r"address .+", key=r"address"),
        R(r"pre-shared-key( local| remote)?( [06])? \S+", key=r"pre-shared-key( local| remote)?"),
        R(r"identity .+", key=r"identity"),
        R(r"hostname \S+", key=r"hostname"),
        R(r"description .*", key=r"description"),
    ],
    "ikev2-profile": [
        R(r"match identity (remote|local) .+"),
        R(r"match fvrf \S+", key=r"match fvrf"),
        R(r"match address local .+"),
        R(r"match certificate .+"),
        R(r"identity local .+", key=r"identity local"),
        R(r"authentication (local|remote) .+", key=r"authentication (local|remote)"),
        R(r"keyring local \S+", key=r"keyring local"),
        R(r"keyring (aaa|pki) .+"),
        R(r"lifetime \d+", key=r"lifetime"),
        R(r"dpd .+", key=r"dpd"),
        R(r"ivrf \S+", key=r"ivrf"),
        R(r"description .*", key=r"description"),
        R(r"(nat|virtual-template|pki|aaa|config-exchange|redirect|shutdown)( .*)?"),
    ],
    "transform-set": [R(r"mode (tunnel|transport)( require)?", key=r"mode")],
    "ipsec-profile": [
        R(r"set transform-set .+", key=r"set transform-set"),
        R(r"set pfs \S+", key=r"set pfs"),
        R(r"set security-association lifetime (seconds|kilobytes|days) .+",
          key=r"set security-association lifetime (seconds|kilobytes|days)"),
        R(r"set security-association .+"),
        R(r"set isakmp-profile \S+", key=r"set isakmp-profile"),
        R(r"set ikev2-profile \S+", key=r"set ikev2-profile"),
        R(r"set (security-policy|reverse-route|mixed-mode|responder-only) .*"),
        R(r"responder-only"),
        R(r"description .*", key=r"description"),
    ],
    "crypto-map": [
        R(r"set peer \S+( default)?"),
        R(r"set transform-set .+", key=r"set transform-set"),
        R(r"set pfs \S+", key=r"set pfs"),
        R(r"set isakmp-profile \S+", key=r"set isakmp-profile"),
        R(r"set ikev2-profile \S+", key=r"set ikev2-profile"),
        R(r"set security-association lifetime (seconds|kilobytes|days) .+",
          key=r"set security-association lifetime (seconds|kilobytes|days)"),
        R(r"set .+"),
        R(r"match address \S+", key=r"match address"),
        R(r"reverse-route( .*)?", key=r"reverse-route"),
        R(r"description .*", key=r"description"),
        R(r"qos pre-classify"),
    ],
    "pki-trustpoint": [
        R(_words("enrollment subject-name revocation-check rsakeypair fqdn ip-address "
                 "serial-number usage auto-enroll subject-alt-name password vrf source "
                 "hash eku chain-validation storage"), key=r"(\S+)"),
    ],
    "cert-chain": [R(r"certificate( self-signed| ca)? \S+", "pubkey")],
    "pubkey": [R(r"[0-9A-Fa-f ]+")],
    "router": [
        R(r"address-family .+", "router-af"),
        R(r"(router-id|log-adjacency-changes|auto-summary|synchronization|eigrp router-id|"
          r"default-information originate|maximum-paths|auto-cost|variance|version)( .*)?",
          key=r"(router-id|log-adjacency-changes|auto-summary|synchronization|"
              r"eigrp router-id|default-information originate|maximum-paths|auto-cost|"
              r"variance|version)", neg=True),
        # removed without a trace: IOS shows no `no network ...` after `no network ...`
        R(r"(network|redistribute|area|timers|distance|summary-address|default-metric|"
          r"distribute-list|offset-list|max-metric|aggregate-address)( .*)?"),
        R(r"(passive-interface|neighbor|bgp|ispf|"
          r"nsf|bfd|traffic-share|mpls|capability|domain-id|prefix-suppression|"
          r"table-map|compatible|discard-route|fast-reroute|graceful-restart|"
          r"queue-depth|snmp|metric|default|shutdown|eigrp|"
          r"is-type|net|metric-style|no-summary)( .*)?", neg=True),
    ],
    "router-af": [
        R(r"(network|neighbor|redistribute|aggregate-address|maximum-paths|"
          r"default-information|auto-summary|synchronization|bgp|distance|table-map|"
          r"af-interface|topology|autonomous-system|eigrp|metric|passive-interface|area|"
          r"router-id|import|export|route-target|default-metric|summary-address)( .*)?",
          neg=True),
    ],
    "ext-nacl": [R(r"(\d+ )?(permit|deny|remark|evaluate|dynamic) .*")],
    "std-nacl": [R(r"(\d+ )?(permit|deny|remark) .*")],
    "ipv6-acl": [R(r"(sequence \d+ )?(permit|deny|remark|evaluate) .*")],
    "line": [
        R(r"(exec-timeout|logout-warning|history size|password|login|privilege level|"
          r"session-timeout|absolute-timeout|escape-character|length|width|speed|"
          r"stopbits|flowcontrol|databits|parity|rotary|terminal-type|location|"
          r"autocommand|access-class \S+ (in|out)|transport preferred|transport output|"
          r"transport input|exec prompt|activation-character|disconnect-character)( .*)?",
          key=r"(exec-timeout|logout-warning|history size|password|login|privilege level|"
              r"session-timeout|absolute-timeout|escape-character|length|width|speed|"
              r"stopbits|flowcontrol|databits|parity|rotary|terminal-type|location|"
              r"autocommand|access-class \S+ (?:in|out)|transport preferred|"
              r"transport output|transport input|exec prompt|activation-character|"
              r"disconnect-character)", neg=True),
        R(r"(exec|authorization|accounting|logging synchronous|modem|motd-banner|"
          r"exec-banner|vacant-message|ipv6 access-class|script|notify|refuse-message|"
          r"timeout|padding|autoselect|history|no-exec)( .*)?", neg=True),
    ],
    "archive": [
        R(r"path \S+", key=r"path"),
        R(r"maximum \d+", key=r"maximum"),
        R(r"time-period \d+", key=r"time-period"),
        R(r"write-memory"),
        R(r"rollback .+"),
        R(r"log config", "archive-log"),
    ],
    "archive-log": [R(r"(logging enable|logging size \d+|notify syslog( .*)?|hidekeys|"
                      r"record rc)", neg=True)],
    "vrf": [
        R(r"rd \S+", key=r"rd"),
        R(r"description .*", key=r"description"),
        R(r"vnet tag \d+", key=r"vnet tag"),
        R(r"address-family (ipv4|ipv6)( .*)?", "vrf-af"),
        R(r"(route-target|import|export|maximum|route-replicate) .+"),
    ],
    "vrf-af": [R(r"(route-target|import|export|maximum|route-replicate|mdt) .+")],
    "route-map": [R(r"(match|set|description|continue)( .*)?")],
    "control-plane": [R(r"(service-policy|management-interface) .+")],
    "class-map": [R(r"(match|description) .+")],
    "policy-map": [R(r"class \S+( .*)?", "policy-class"), R(r"description .+")],
    "policy-class": [R(_words("police shape bandwidth priority set service-policy queue-limit "
                              "random-detect fair-queue drop"))],
    "key-chain": [R(r"key \d+", "key-chain-key")],
    "key-chain-key": [R(r"(key-string|accept-lifetime|send-lifetime|"
                        r"cryptographic-algorithm) .+",
                        key=r"(key-string|accept-lifetime|send-lifetime|"
                            r"cryptographic-algorithm)")],
    "dhcp-pool": [R(_words("network default-router dns-server domain-name lease option "
                           "netbios-name-server netbios-node-type host client-identifier "
                           "hardware-address import"), key=r"(\S+)")],
    "track": [R(r"(delay|type|ip|object|threshold) .+")],
    "unknown": [R(r".+")],
}

_LITERAL_FIRST: dict[str, set[str]] = {
    mode: {r.literal[0] for r in rules if r.literal} for mode, rules in GRAMMAR.items()
}


def known_first_word(mode: str, word: str) -> bool:
    """True when some rule of ``mode`` starts with the literal word ``word``."""
    return word.lower() in _LITERAL_FIRST.get(mode, set())


def find_rule(mode: str, line: str) -> Rule | None:
    """The first rule of ``mode`` whose pattern matches the whole of ``line``."""
    for rule in GRAMMAR.get(mode, GRAMMAR["unknown"]):
        if rule.regex.fullmatch(line):
            return rule
    return None


def prefix_rule(mode: str, line: str) -> Rule | None:
    """A rule whose literal words and ``line``'s words are prefixes of one another.

    Used to accept ``no <partial command>`` (``no ip address``, ``no tunnel destination``).
    """
    words = tuple(line.lower().split())
    for rule in GRAMMAR.get(mode, GRAMMAR["unknown"]):
        lit = rule.literal
        if not lit:
            if rule.regex.match(line):
                return rule
            continue
        n = min(len(lit), len(words))
        if n and lit[:n] == words[:n]:
            return rule
    return None


# --------------------------------------------------------------------------- references
# IOS refuses a line that names an object that does not exist, and refuses to delete an
# object another line still names (docs/ios-fidelity.md row 11; ../shared/docs/
# ios-cli-behaviour.md §2, §3). Texts marked V are IOS's own; the others are Cisco's
# NETCONF wording with a `% ` prefix ("greios lab wording, not verified IOS text").


@dataclass(frozen=True)
class Ref:
    """In ``mode``, a line matching ``pattern`` names objects (group 1, blank-separated)
    whose top-level header starts with one of ``targets`` + the name; ``message`` (with
    ``{name}``) is printed and the line refused when one is missing."""

    mode: str
    pattern: str
    targets: tuple[str, ...]
    message: str
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern, re.I))

    @property
    def vrf(self) -> bool:
        """A reference to a VRF (an object greios never creates or plans)."""
        return self.targets == _VRF


_VRF = ("vrf definition ", "ip vrf ")
_NC = "% It seems {what} doesn't exist or attempted to delete when actively referred by {by}"

REFS: tuple[Ref, ...] = (
    Ref("ikev2-policy", r"proposal (\S+)", ("crypto ikev2 proposal ",),
        "% No Proposal exists with the specified name {name}"),  # U5 V
    Ref("ikev2-policy", r"match fvrf (?!any$)(\S+)", _VRF,
        "% fvrf {name} not configured"),  # U8 V
    Ref("ikev2-profile", r"keyring local (\S+)", ("crypto ikev2 keyring ",),
        "% Invalid keyring {name}"),  # U7 V
    Ref("ikev2-profile", r"ivrf (\S+)", _VRF, "% vrf {name} not configured"),  # U9 V
    Ref("ikev2-profile", r"match fvrf (?!any$)(\S+)", _VRF,
        "% fvrf {name} not configured"),  # lab wording (as U8)
    Ref("ipsec-profile", r"set transform-set (.+)", ("crypto ipsec transform-set ",),
        _NC.format(what="transform set", by="IPSec profile")),  # U2 lab wording
    Ref("ipsec-profile", r"set ikev2-profile (\S+)", ("crypto ikev2 profile ",),
        _NC.format(what="IKEv2 profile", by="IPSec profile")),  # U4 lab wording
    Ref("ipsec-profile", r"set isakmp-profile (\S+)", ("crypto isakmp profile ",),
        _NC.format(what="ISAKMP profile", by="IPSec profile")),  # U10 lab wording
    Ref("isakmp-profile", r"keyring (\S+)", ("crypto keyring ",),
        "% keyring must be created first and deleted last"),  # U11 lab wording
    Ref("if", r"tunnel protection ipsec profile (\S+)(?: shared)?", ("crypto ipsec profile ",),
        "Profile {name} is not defined."),  # U1 V (no %)
)

#: built-in objects that exist without configuration (R25)
BUILTIN: frozenset[str] = frozenset({
    "crypto ikev2 proposal default", "crypto ikev2 policy default",
    "crypto ipsec profile default", "crypto ipsec transform-set default",
})


@dataclass(frozen=True)
class InUse:
    """``no <header> NAME`` is refused while a child of a top-level block starting with one
    of ``users`` matches ``pattern`` (``{name}`` = the name, escaped)."""

    header: str
    users: tuple[str, ...]
    pattern: str
    message: str


IN_USE: tuple[InUse, ...] = (
    InUse("crypto ikev2 proposal ", ("crypto ikev2 policy ",), r"proposal {name}",
          "% Cannot remove as proposal is in use."),  # D1 V
    InUse("crypto ipsec profile ", ("interface ",),
          r"tunnel protection ipsec profile {name}(?: shared)?",
          "% It seems IPSec profile doesn't exist or attempting to remove when referred by "
          "tunnel config"),  # D2 lab wording
    InUse("crypto ikev2 profile ", ("crypto ipsec profile ", "crypto map "),
          r"set ikev2-profile {name}",
          _NC.format(what="IKEv2 profile", by="IPSec profile")),  # D3 lab wording
    InUse("crypto isakmp profile ", ("crypto ipsec profile ", "crypto map "),
          r"set isakmp-profile {name}",
          _NC.format(what="ISAKMP profile", by="IPSec profile")),  # as D3, lab wording
    InUse("crypto ipsec transform-set ", ("crypto ipsec profile ", "crypto map ",
                                          "crypto dynamic-map "),
          r"set transform-set (?:\S+ )*{name}(?: \S+)*",
          _NC.format(what="transform set", by="IPSec profile")),  # D4 lab wording
    InUse("crypto ikev2 keyring ", ("crypto ikev2 profile ",), r"keyring local {name}",
          _NC.format(what="IKEv2 keyring", by="IKEv2 profile")),  # D5 lab wording
    InUse("crypto keyring ", ("crypto isakmp profile ",), r"keyring {name}",
          "% keyring must be created first and deleted last"),  # U11 lab wording
)


# --------------------------------------------------------------------------- transform sets
# One optional AH transform, one ESP cipher (key size only for AES/GCM/GMAC: 128/192/256),
# an optional ESP HMAC (none after GCM/GMAC), optional compression (C1-C3, row 12).
AH = frozenset({"ah-md5-hmac", "ah-sha-hmac", "ah-sha256-hmac", "ah-sha384-hmac",
                "ah-sha512-hmac"})
ESP_CIPHERS = frozenset({"esp-aes", "esp-gcm", "esp-gmac", "esp-3des", "esp-des", "esp-null",
                         "esp-seal"})
ESP_KEYED = frozenset({"esp-aes", "esp-gcm", "esp-gmac"})
ESP_AEAD = frozenset({"esp-gcm", "esp-gmac"})
ESP_HMACS = frozenset({"esp-md5-hmac", "esp-sha-hmac", "esp-sha256-hmac", "esp-sha384-hmac",
                       "esp-sha512-hmac"})
KEY_BITS = frozenset({"128", "192", "256"})


def transform_error(words: list[str]) -> int | None:
    """Index of the first word IOS refuses in a transform list, None when it is valid.

    >>> transform_error(["esp-gcm", "256"]), transform_error(["esp-gcm", "esp-sha-hmac"])
    (None, 1)
    >>> transform_error(["esp-foo", "bar"]), transform_error(["esp-aes", "256", "esp-sha-hmac"])
    (0, None)
    """
    i, n, cipher = 0, len(words), None
    if i < n and words[i].lower() in AH:
        i += 1
    if i < n and words[i].lower() in ESP_CIPHERS:
        cipher = words[i].lower()
        i += 1
        if cipher in ESP_KEYED and i < n and words[i] in KEY_BITS:
            i += 1
    if i < n and words[i].lower() in ESP_HMACS and cipher not in ESP_AEAD:
        i += 1
    if i < n and words[i].lower() == "comp-lzs":
        i += 1
    if i == 0:
        return 0
    return i if i < n else None
