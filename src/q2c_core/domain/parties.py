"""Who a document names: a party's country and VAT id as an e-invoice must carry them.

EN 16931 (PEPPOL BIS Billing 3.0) codes a country as ISO 3166-1 alpha-2 (BR-CL-14) and wants a
VAT id to start with a country prefix (BR-CO-09). A customer registered with ``Netherlands`` or
with a VAT id without its prefix could never get an e-invoice; q2c checks both where they are
typed (registering or correcting a customer, a seller profile), with this one rule.
"""

from __future__ import annotations

from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.values import person_key

# BR-CO-09: a VAT id (seller, tax representative, buyer) starts with one of these: ISO 3166-1
# alpha-2, EL for Greece, XI for Northern Ireland, 1A for Kosovo (the EN 16931 rules' own list).
VAT_PREFIXES = frozenset(
    (
        "1A AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO "
        "BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK "
        "DM DO DZ EC EE EG EH EL ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ "
        "GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI "
        "KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO "
        "MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK "
        "PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS "
        "ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE "
        "VG VI VN VU WF WS XI YE YT ZA ZM ZW"
    ).split()
)

# BR-CL-14: the country codes an e-invoice may carry, the same list but EL (Greece is GR as a
# country; EL only prefixes its VAT ids)
COUNTRY_CODES = VAT_PREFIXES - {"EL"}


def country_code(value: str, field: str = "country") -> str:
    """A country as an e-invoice carries it (``" nl "`` -> ``NL``), or ``InvalidValue`` naming
    the field: ``Netherlands``, ``UK`` (GB is the code) or ``EL`` (GR) are no ISO 3166-1
    alpha-2 code. Empty stays empty: a customer need not give its country (an e-invoice then
    refuses it)."""
    code = value.strip().upper()
    if code and code not in COUNTRY_CODES:
        raise InvalidValue(
            "must be an ISO 3166-1 alpha-2 country code like BE, NL or GR (BR-CL-14)",
            field=field,
            value=value,
        )
    return code


def normal_vat_id(text: str) -> str:
    """A VAT id as an e-invoice carries it: no spaces, capitals (``be 0123 456 749`` ->
    ``BE0123456749``). A missing country prefix is not guessed (see ``has_vat_prefix``).

    Every kind of space is taken out, not only the plain one (a no-break space copied from a
    web page, a tab or a line break from a spreadsheet cell), and so is every invisible
    character (a zero-width space pasted from a chat), and full-width letters and digits
    read as plain ones, as ``person_key`` reads names: an id holding one reads the same, but
    no buyer's system recognises it, and the same id sent again without it would be
    another."""
    return person_key(text).replace(" ", "").upper()


def has_vat_prefix(value: str) -> bool:
    """Whether a VAT id starts with a prefix BR-CO-09 accepts (``BE0123456749``, not
    ``0123456749``). Its prefix is not added from the party's country: the address country need
    not be where the party is registered for VAT (and Greece's prefix is EL), a digits-only id
    may be a national tax number rather than a VAT id, and a wrong VAT id on an invoice passes
    every rule."""
    return value[:2] in VAT_PREFIXES


def vat_id(value: str, field: str = "tax_id") -> str:
    """A VAT id as an e-invoice carries it (``normal_vat_id``), or ``InvalidValue`` naming the
    field when it does not start with its country prefix (``NL123456789B01``, ``EL094259216``
    for Greece), which is never guessed. Empty stays empty: a customer need not have one."""
    normal = normal_vat_id(value)
    if normal and (not has_vat_prefix(normal) or len(normal) < 3):
        raise InvalidValue(
            "must start with its country prefix, e.g. NL123456789B01 or EL094259216 for "
            "Greece (BR-CO-09); the prefix is not guessed",
            field=field,
            value=value,
        )
    return normal
