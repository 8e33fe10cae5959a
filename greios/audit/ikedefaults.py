"""Platform defaults used when the running-config hides a value.

* ISAKMP policy: the model (``greios.devmodel.model.IsakmpPolicy``) fills hidden lines with
  3DES / SHA-1 / pre-share / DH group 2 / 86400 s, the values Batfish's ``testIsakmpPolicyIos``
  asserts for an empty ``crypto isakmp policy 20`` (corpus ``ios-crypto``). Classic IOS
  documents DES / group 1 / rsa-sig instead (reference §1.2, tag R); both are weak, so the
  SEC rules flag any policy relying on hidden encryption/group lines.
* IKEv2: when no ``crypto ikev2 policy`` exists, the built-in default proposal is used. We model
  the older "smart default" (reference §1.3, src 28): AES-CBC-256/192/128, SHA-512/384/256/
  SHA-1/MD5 integrity and PRF, DH groups 5 and 2.
* IPsec SA lifetime 3600 s, IKE SA lifetime 86400 s.
"""

from __future__ import annotations

from greios.devmodel.model import Ikev2Proposal

IKEV2_DEFAULT_PROPOSAL = Ikev2Proposal(
    name="default",
    line=0,
    encryption=("aes-cbc-256", "aes-cbc-192", "aes-cbc-128"),
    integrity=("sha512", "sha384", "sha256", "sha1", "md5"),
    prf=("sha512", "sha384", "sha256", "sha1", "md5"),
    group=(5, 2),
)
IPSEC_SA_LIFETIME = 3600
IKE_SA_LIFETIME = 86400
