"""Who sends the invoice and who receives it, as e-invoicing needs them.

q2c's ``Customer`` holds name, country, VAT id and address; e-invoices also need electronic
addresses (PEPPOL endpoints) and the seller's bank account. ``SellerProfile`` is configured once;
``BuyerParty`` is built from a customer, with an explicit endpoint or one derived from the VAT id.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import attrs

from q2c_core.domain.customer import Customer, CustomerDetails
from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.parties import country_code, has_vat_prefix, normal_vat_id

# PEPPOL Electronic Address Scheme codes for VAT numbers, by country (EAS code list).
VAT_SCHEMES: dict[str, str] = {
    "AD": "9922", "AL": "9923", "AT": "9914", "BA": "9924", "BE": "9925", "BG": "9926",
    "CH": "9927", "CY": "9928", "CZ": "9929", "DE": "9930", "EE": "9931", "ES": "9920",
    "FR": "9957", "GB": "9932", "GR": "9933", "HR": "9934", "HU": "9910", "IE": "9935",
    "IT": "0211", "LI": "9936", "LT": "9937", "LU": "9938", "LV": "9939", "MC": "9940",
    "ME": "9941", "MK": "9942", "MT": "9943", "NL": "9944", "PL": "9945", "PT": "9946",
    "RO": "9947", "RS": "9948", "SI": "9949", "SK": "9950", "SM": "9951", "TR": "9952",
    "VA": "9953",
}  # fmt: skip
# A VAT id's prefix that is not its country's ISO code: Greece's VAT ids start with EL.
VAT_ID_COUNTRIES: dict[str, str] = {"EL": "GR"}


# The legal-registration schemes (ISO 6523 ICD, the ``schemeID`` of the seller's legal
# registration identifier, BT-30) a country's PEPPOL rules allow its sellers, with the rule:
# a Dutch seller's is its KVK (0106) or OIN (0190) number, a Danish seller's its CVR (0184), an
# Icelandic seller's its kennitala (0196).
NATIONAL_REGISTRATION_SCHEMES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "NL": (("0106", "0190"), "0106 (KVK) or 0190 (OIN)", "NL-R-003"),
    "DK": (("0184",), "0184 (CVR)", "DK-R-014"),
    "IS": (("0196",), "0196 (kennitala)", "IS-R-002"),
}


def _country(value: str, field: str) -> str:
    """The party's country code (``country_code``, q2c_core's one rule); an e-invoice needs one."""
    code = country_code(value, field)
    if not code:
        raise InvalidValue(
            "must be an ISO 3166-1 alpha-2 country code like BE, NL or GR (BR-CL-14)",
            field=field,
            value=value,
        )
    return code


def iban_valid(iban: str) -> bool:
    """ISO 13616 check: country, check digits, and the mod-97 remainder of 1."""
    compact = iban.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", compact):
        return False
    digits = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


# The Electronic Address Scheme (EAS) codes an endpoint's ``schemeID`` may take under PEPPOL BIS
# Billing 3.0.18: those both its rule sets allow, EN 16931's BR-CL-25 (the CEF EAS list, which also
# has 0194 0203 0205 0217 0219 0220 0225 AN AQ AS AU EM) and PEPPOL's PEPPOL-EN16931-CL008 (which
# also has 9906 and 9907). The rules are XSLT, no part of the installed package, so the list is
# written here; tests/test_e_invoice_endpoints.py reads both lists from the conformance files
# and checks that this is exactly what they share.
EAS_SCHEMES: frozenset[str] = frozenset(
    """
    0002 0007 0009 0037 0060 0088 0096 0097 0106 0130 0135 0142 0147 0151 0170 0177 0183 0184
    0188 0190 0191 0192 0193 0195 0196 0198 0199 0200 0201 0202 0204 0208 0209 0210 0211 0212
    0213 0215 0216 0218 0221 0230 0235 9901 9910 9913 9914 9915 9918 9919 9920 9922 9923 9924
    9925 9926 9927 9928 9929 9930 9931 9932 9933 9934 9935 9936 9937 9938 9939 9940 9941 9942
    9943 9944 9945 9946 9947 9948 9949 9950 9951 9952 9953 9957 9959
    """.split()
)


def _gln(value: str) -> bool:
    """GS1 check digit of a GLN (``u:gln``): weights 3, 1, 3, ... from the right."""
    if not re.fullmatch(r"[0-9]+", value):
        return False
    body = [int(d) for d in reversed(value[:-1])]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    return (10 - total % 10) % 10 == int(value[-1])


def _norwegian(value: str) -> bool:
    """Norwegian organisation number (``u:mod11``): nine digits, mod-11 check digit."""
    if not re.fullmatch(r"[0-9]{9}", value) or int(value) == 0:
        return False
    body = [int(d) for d in reversed(value[:-1])]
    total = sum(d * (i % 6 + 2) for i, d in enumerate(body))
    return (11 - total % 11) % 11 == int(value[-1])


def _belgian(value: str) -> bool:
    """Belgian enterprise number (``u:mod97-0208``): ten digits, the last two 97 less the
    first eight mod 97."""
    return re.fullmatch(r"[0-9]{10}", value) is not None and int(value[8:]) == 97 - (
        int(value[:8]) % 97
    )


def _swedish(value: str) -> bool:
    """Swedish organisation number (``u:checkSEOrgnr``): ten digits, Luhn check on the last."""
    if not re.fullmatch(r"[0-9]{10}", value):
        return False
    total = 0
    for position, digit in enumerate(reversed(value[:9]), start=1):
        d = int(digit)
        total += (d * 2) % 10 + (d * 2) // 10 if position % 2 else d
    return (10 - total % 10) % 10 == int(value[9])


def _australian(value: str) -> bool:
    """Australian Business Number (``u:abn``): eleven digits, the first less one, weighted
    10, 1, 3, 5, ... 19, sum a multiple of 89."""
    if not re.fullmatch(r"[0-9]{11}", value):
        return False
    weights = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)
    digits = [int(value[0]) - 1] + [int(d) for d in value[1:]]
    return sum(w * d for w, d in zip(weights, digits, strict=True)) % 89 == 0


# The identifier checks the PEPPOL rules make fatal (PEPPOL-COMMON-R040 to R050 in PEPPOL BIS
# 3.0.18), by EAS scheme: the check, what a valid identifier looks like, and the rule. The
# Italian ones (R044 IPA code 0201, R045 codice fiscale 0210, R047 partita IVA 0211) are only
# warnings, a document carrying such an address conforms, and R045's pattern warns about real
# codici fiscali (those with letters for digits, given to namesakes): q2c accepts what the
# rules accept. R046 checks scheme 9907, which BR-CL-25 refuses altogether.
IDENTIFIER_RULES: dict[str, tuple[Callable[[str], bool], str, str]] = {
    "0088": (_gln, "a GLN: digits ending in a valid GS1 check digit", "PEPPOL-COMMON-R040"),
    "0192": (
        _norwegian,
        "a Norwegian organisation number: nine digits ending in a valid mod-11 check digit",
        "PEPPOL-COMMON-R041",
    ),
    "0184": (
        lambda v: re.fullmatch(r"DK[0-9]{8}", v) is not None,
        "a Danish CVR number written DK and its eight digits, e.g. DK12345678",
        "PEPPOL-COMMON-R042",
    ),
    "0208": (
        _belgian,
        "a Belgian enterprise number: ten digits, the last two its mod-97 check",
        "PEPPOL-COMMON-R043",
    ),
    "0007": (
        _swedish,
        "a Swedish organisation number: ten digits ending in a valid check digit",
        "PEPPOL-COMMON-R049",
    ),
    "0151": (
        _australian,
        "an Australian Business Number: eleven digits passing the ABN check",
        "PEPPOL-COMMON-R050",
    ),
}


def endpoint_problem(scheme: str, identifier: str) -> tuple[str, str] | None:
    """Why PEPPOL BIS 3 refuses an electronic address, as (``scheme`` or ``identifier``, the
    rule), or None when it accepts it: a scheme outside the EAS code list (BR-CL-25,
    PEPPOL-EN16931-CL008), an empty identifier, or one its scheme's rule refuses
    (``IDENTIFIER_RULES``: a GLN's check digit, PEPPOL-COMMON-R040, ...)."""
    if scheme not in EAS_SCHEMES:
        return (
            "scheme",
            f"{scheme!r} is not an EAS code of PEPPOL BIS 3 (a 4-digit code from the EAS code "
            "list, e.g. 0088 for a GLN or 9925 for a Belgian VAT number; "
            "BR-CL-25, PEPPOL-EN16931-CL008)",
        )
    if not identifier:
        return ("identifier", "must not be empty")
    if any(ch.isspace() for ch in identifier):
        return ("identifier", f"{identifier!r} must not contain spaces or line breaks")
    if scheme in IDENTIFIER_RULES:
        check, wanted, rule = IDENTIFIER_RULES[scheme]
        if not check(identifier):
            return (
                "identifier",
                f"{identifier!r} under scheme {scheme} must be {wanted} ({rule})",
            )
    return None


@attrs.frozen
class Endpoint:
    """A PEPPOL electronic address: EAS scheme code and identifier (spaces around them dropped).

    One PEPPOL BIS 3 refuses is refused here (``endpoint_problem``): a scheme outside the EAS
    code list, or an identifier its scheme's PEPPOL rule refuses (a GLN under 0088 with a wrong
    check digit, ...), with ``InvalidValue`` naming ``endpoint.scheme`` or
    ``endpoint.identifier`` (``Endpoint.of`` names the party: ``buyer.endpoint.scheme``).
    """

    scheme: str
    identifier: str

    def __attrs_post_init__(self) -> None:
        self._check("endpoint")

    def _check(self, field: str) -> None:
        for name in ("scheme", "identifier"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise InvalidValue(
                    f"must be text, not {type(value).__name__}", field=f"{field}.{name}"
                )
            object.__setattr__(self, name, value.strip())
        problem = endpoint_problem(self.scheme, self.identifier)
        if problem is not None:
            part, rule = problem
            raise InvalidValue(
                rule,
                field=f"{field}.{part}",
                value=self.scheme if part == "scheme" else self.identifier,
            )

    @classmethod
    def of(cls, scheme: str, identifier: str, field: str = "endpoint") -> Endpoint:
        """The endpoint, refused naming ``field`` (``buyer.endpoint``, ``seller.endpoint``)
        and its part when PEPPOL BIS 3 would refuse it."""
        try:
            return cls(scheme, identifier)
        except InvalidValue as error:
            part = error.field.rpartition(".")[2]
            raise InvalidValue(error.rule, field=f"{field}.{part}", value=error.value) from None

    @classmethod
    def from_vat(cls, vat_id: str, country: str, field: str = "endpoint") -> Endpoint:
        """The PEPPOL address of a VAT id (``BE0123456749`` -> 9925): the scheme of the country
        the id is registered in, read from its prefix (``NL123456789B01`` is 9944 whatever the
        address country: a Dutch firm's Belgian branch; Greece's ``EL`` is GR's 9933), and the
        address ``country``'s only where the prefix names no scheme (``XI`` in GB)."""
        compact = vat_id.replace(" ", "")
        prefix = compact[:2].upper()
        registered = VAT_ID_COUNTRIES.get(prefix, prefix)
        scheme_country = registered if registered in VAT_SCHEMES else country
        if scheme_country not in VAT_SCHEMES or not compact:
            raise InvalidValue(
                f"no VAT-based PEPPOL scheme for {country!r} with VAT id {vat_id!r}; "
                "give the endpoint explicitly",
                field=field,
            )
        return cls.of(VAT_SCHEMES[scheme_country], compact, field)


def _optional_text(value: object, field: str) -> str:
    """An optional text field of a party: text, without the spaces around it (blank: none)."""
    if not isinstance(value, str):
        raise InvalidValue(f"must be text, not {type(value).__name__}", field=field, value=value)
    return value.strip()


@attrs.frozen
class SellerProfile:
    """The seller on every e-invoice: legal identity, address, VAT id and bank account, and
    its contact (a person or department, a telephone number, an e-mail address).

    The contact is optional in general; a German seller's e-invoice to a German buyer needs
    all three (XRechnung DE-R-005/006/007), and the UBL writer refuses it without them. A
    telephone number given has at least three digits (DE-R-027).

    ``registration_scheme`` says which register ``registration_id`` is from (its ISO 6523 ICD
    code, four digits, written as the ``schemeID`` of BT-30). It is optional in general; some
    countries' PEPPOL rules require it of their sellers and allow only their own registers
    (``NATIONAL_REGISTRATION_SCHEMES``: a Dutch seller's KVK 0106 or OIN 0190, NL-R-003; a
    Danish seller's CVR 0184, DK-R-014, its id then written ``DK12345678``, PEPPOL-COMMON-R042).
    One given that the seller's country does not allow is refused here; one missing is refused
    by the UBL writer, since documents other than an e-invoice do not need it.
    """

    legal_name: str
    registration_id: str
    vat_id: str
    street: str
    city: str
    postal_code: str
    country: str
    iban: str
    bic: str = ""
    trading_name: str = ""
    endpoint: Endpoint | None = None
    email: str = ""
    contact_name: str = ""
    telephone: str = ""
    registration_scheme: str = ""

    def __attrs_post_init__(self) -> None:
        for name in ("legal_name", "registration_id", "street", "city", "postal_code"):
            if not str(getattr(self, name)).strip():
                raise InvalidValue("must not be empty", field=f"seller.{name}")
        for name in ("email", "contact_name", "telephone"):
            value = _optional_text(getattr(self, name), f"seller.{name}")
            object.__setattr__(self, name, value)
        if self.telephone and len(re.findall(r"\d", self.telephone)) < 3:
            raise InvalidValue(
                "must have at least three digits (DE-R-027)",
                field="seller.telephone",
                value=self.telephone,
            )
        object.__setattr__(self, "country", _country(self.country, "seller.country"))
        scheme = _optional_text(self.registration_scheme, "seller.registration_scheme")
        object.__setattr__(self, "registration_scheme", scheme)
        if scheme and not re.fullmatch(r"\d{4}", scheme):
            raise InvalidValue(
                "must be a 4-digit ISO 6523 ICD code, e.g. 0106 for the Dutch KVK (BR-CL-11)",
                field="seller.registration_scheme",
                value=scheme,
            )
        problem = self.registration_scheme_problem()
        if scheme and problem:
            raise InvalidValue(problem, field="seller.registration_scheme", value=scheme)
        if scheme == "0184" and not re.fullmatch(r"DK\d{8}", self.registration_id):
            raise InvalidValue(
                "a CVR number under scheme 0184 is written DK and its eight digits, "
                "e.g. DK12345678 (PEPPOL-COMMON-R042)",
                field="seller.registration_id",
                value=self.registration_id,
            )
        object.__setattr__(self, "vat_id", normal_vat_id(self.vat_id))
        if self.vat_id and not has_vat_prefix(self.vat_id):
            raise InvalidValue(
                "must start with the ISO country prefix, e.g. BE0123456749 (BR-CO-09)",
                field="seller.vat_id",
                value=self.vat_id,
            )
        self._check_nordic()
        if not iban_valid(self.iban):
            raise InvalidValue("is not a valid IBAN", field="seller.iban", value=self.iban)
        if self.bic and not re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", self.bic):
            raise InvalidValue("is not a valid BIC", field="seller.bic", value=self.bic)
        if self.endpoint is None:
            object.__setattr__(
                self, "endpoint", Endpoint.from_vat(self.vat_id, self.country, "seller.endpoint")
            )

    def _check_nordic(self) -> None:
        """The identifiers PEPPOL's Norwegian and Swedish rules check, as they are written: a
        Norwegian VAT id is NO, the nine digits of a valid organisation number and MVA
        (NO-R-001); a Swedish seller's VAT id is SE and twelve digits (SE-R-001, SE-R-002) and
        its organisation number (``registration_id``) ten digits, the last a Luhn check digit
        (SE-R-003, SE-R-004, SE-R-013). Refused (``InvalidValue`` naming the field) otherwise:
        every e-invoice of the seller would fail the rule."""
        vat = self.vat_id
        if vat.startswith("NO") and not (
            re.fullmatch(r"NO\d{9}MVA", vat) and _norwegian(vat[2:11])
        ):
            raise InvalidValue(
                "a Norwegian VAT id is NO, a valid nine-digit organisation number and MVA, "
                "e.g. NO974760673MVA (NO-R-001)",
                field="seller.vat_id",
                value=vat,
            )
        if self.country != "SE":
            return
        if vat.startswith("SE") and not re.fullmatch(r"SE\d{12}", vat):
            raise InvalidValue(
                "a Swedish VAT id is SE and twelve digits, fourteen characters in all, e.g. "
                "SE556036079301 (SE-R-001, SE-R-002)",
                field="seller.vat_id",
                value=vat,
            )
        if self.registration_id and not _swedish(self.registration_id):
            raise InvalidValue(
                "a Swedish organisation number is written as its ten digits, the last a valid "
                "check digit, e.g. 5560360793 (SE-R-003, SE-R-004, SE-R-013)",
                field="seller.registration_id",
                value=self.registration_id,
            )

    def registration_scheme_problem(self) -> str:
        """Why the seller's country's PEPPOL rules refuse its ``registration_scheme`` (missing
        or not one of its registers), or "" when they accept it or have no such rule."""
        if self.country not in NATIONAL_REGISTRATION_SCHEMES:
            return ""
        allowed, names, rule = NATIONAL_REGISTRATION_SCHEMES[self.country]
        if self.registration_scheme in allowed:
            return ""
        return (
            f"a seller in {self.country} names the register its registration_id is from: "
            f"{names}, not {self.registration_scheme or 'none'} ({rule})"
        )

    @property
    def name(self) -> str:
        """The name shown on documents."""
        return self.trading_name or self.legal_name

    @property
    def electronic_address(self) -> Endpoint:
        """The seller's PEPPOL endpoint."""
        assert self.endpoint is not None
        return self.endpoint


@attrs.frozen
class BuyerParty:
    """The buyer on an e-invoice; its VAT id is kept as ``normal_vat_id`` writes it (an id
    without its country prefix is refused when a document would carry it, see ``ubl_document``).
    """

    name: str
    country: str
    endpoint: Endpoint
    address: str = ""
    vat_id: str = ""
    reference: str = ""
    city: str = ""
    postal_code: str = ""

    def __attrs_post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidValue("must not be empty", field="buyer.name")
        for name in ("city", "postal_code"):
            object.__setattr__(self, name, _optional_text(getattr(self, name), f"buyer.{name}"))
        object.__setattr__(self, "country", _country(self.country, "buyer.country"))
        object.__setattr__(self, "vat_id", normal_vat_id(self.vat_id))

    @classmethod
    def from_customer(
        cls,
        customer: Customer,
        *,
        endpoint: Endpoint | None = None,
        reference: str = "",
        details: CustomerDetails | None = None,
    ) -> BuyerParty:
        """The customer as buyer, with its details now or the ``details`` a document names
        (``buyer_details``: as issued); without an endpoint, its VAT id's PEPPOL address is
        used. A country or VAT id recorded before q2c checked them at registration is read as
        typed (lower case aside), and refused here if an e-invoice cannot carry it."""
        named = details or customer.details
        country = _country(named.country, "customer.country")
        tax_id = normal_vat_id(named.tax_id)
        return cls(
            name=named.name,
            country=country,
            endpoint=endpoint or Endpoint.from_vat(tax_id, country, "buyer.endpoint"),
            address=named.address,
            vat_id=tax_id,
            reference=reference,
            city=named.city,
            postal_code=named.postal_code,
        )
