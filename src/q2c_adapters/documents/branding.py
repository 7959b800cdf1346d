"""The seller's branding: name, addresses, bank details, logo, colours, footer and language."""

from __future__ import annotations

import json
import re
import string
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from lxml import etree
from PIL import Image

from q2c_adapters.documents.i18n import LABELS
from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.parties import country_code

if TYPE_CHECKING:
    from q2c_adapters.accounting.seller import SellerProfile

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# the logo files the PDF prints (the HTML shows any picture a browser shows)
LOGO_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".svg"})


def _picture_problem(path: Path) -> str | None:
    """Why the file at ``path`` is no picture (None when it is one): an SVG must be an XML
    document whose root is ``<svg>``, any other file a picture Pillow reads whole."""
    if path.suffix.lower() == ".svg":
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        try:
            root = etree.parse(str(path), parser).getroot()
        except (etree.XMLSyntaxError, OSError) as error:
            return f"not a whole SVG document: {' '.join(str(error).split())}"
        if etree.QName(root).localname != "svg":
            return f"an XML document of <{etree.QName(root).localname}>, not <svg>"
        return None
    try:
        with Image.open(path) as picture:
            picture.verify()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        return " ".join(str(error).split()) or type(error).__name__
    return None


def logo_file(logo: str) -> Path | None:
    """The local file a branding's ``logo`` names, checked to be a picture; None for no logo
    or one given as a URL or data URI (shown as it is).

    Raises ``InvalidValue`` naming ``logo`` for a file that is not there or is no picture (a
    PNG cut short, a half-written SVG, a text file named ``logo.png``): the PDF would stop on
    it and the HTML would show a broken picture as the letterhead."""
    if not logo or logo.startswith(("http://", "https://", "data:")):
        return None
    path = Path(logo)
    if not path.is_file():
        raise InvalidValue("no such logo file", field="logo", value=logo)
    problem = _picture_problem(path)
    if problem is not None:
        raise InvalidValue(f"{path} is no picture ({problem})", field="logo", value=logo)
    return path


def _text(_: Any, attribute: Any, value: object) -> None:
    """Refuse (``InvalidValue`` naming the field) a value that is not text: a number written
    without quotes in a branding file (``tax_id = 987654321``) is read as a number, which the
    HTML printed and every PDF failed on with a bare ``TypeError``."""
    if not isinstance(value, str):
        raise InvalidValue(
            f"must be text, not {type(value).__name__} (in a branding file, write it in "
            'quotes: "987654321")',
            field=attribute.name,
            value=value,
        )


def _colour(_: Any, attribute: Any, value: str) -> None:
    _text(_, attribute, value)
    if not _COLOUR.match(value):
        raise InvalidValue("must be a colour like #1f4e79", field=attribute.name, value=value)


def _language(_: Any, attribute: Any, value: str) -> None:
    """Refuse (``InvalidValue`` naming ``language``) a language the documents do not speak
    (``LABELS``): ``--lang xx`` was taken and every document then failed when it was built."""
    _text(_, attribute, value)
    if value not in LABELS:
        known = ", ".join(sorted(LABELS))
        raise InvalidValue(
            f"must be one of {known}, the languages the documents speak",
            field=attribute.name,
            value=value,
        )


def _lines(value: Any) -> Any:
    """The address as its lines: text split at its line breaks, a list of lines as a tuple;
    anything else is left for ``_address`` to refuse."""
    if isinstance(value, str):
        return tuple(line.strip() for line in value.splitlines() if line.strip())
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return value


def _address(_: Any, attribute: Any, value: Any) -> None:
    """Refuse (``InvalidValue`` naming ``address``) an address that is not text or lines of
    text: a post code written without quotes (``address = ["Hauptstr. 1", 10115]``) was
    turned into the text "10115" where every other field refuses a number (and 01067 cannot
    be written so), an address of one number failed with a bare ``TypeError``."""
    if not isinstance(value, tuple):
        _text(_, attribute, value)
    for line in value:
        if not isinstance(line, str):
            raise InvalidValue(
                f"must be text or a list of texts, not a list holding {type(line).__name__} "
                f"{line!r} (in a branding file, write each line in quotes: "
                '["Hauptstr. 1", "10115 Berlin"])',
                field=attribute.name,
                value=value,
            )


def _upper(value: Any) -> Any:
    """A country code as it is checked and kept (`` de `` -> ``DE``); anything else is left
    for ``_country`` to refuse."""
    return value.strip().upper() if isinstance(value, str) else value


def _country(_: Any, attribute: Any, value: str) -> None:
    """Refuse (``InvalidValue`` naming ``country``) a seller's country that is not an ISO
    3166-1 alpha-2 code (``Germany``, ``UK``), as a customer's country is refused."""
    _text(_, attribute, value)
    country_code(value, attribute.name)


# the placeholders ``payment_instructions`` may use (what a document fills in)
PAYMENT_PLACEHOLDERS = frozenset(
    {"amount", "reference", "due_date", "iban", "bic", "bank", "bic_part"}
)


def _payment_instructions(_: Any, attribute: Any, value: str) -> None:
    """Refuse (``InvalidValue`` naming ``payment_instructions``) text that is not a template of
    the documented placeholders: ``{invoice_number}`` or ``{0}`` failed every document of the
    seller with a bare KeyError or IndexError, and ``{amount.__class__}`` printed Python's
    internals on an invoice; so is a placeholder written with a format spec or a conversion
    (``{amount:d}``, ``{amount!r}``): its text is filled in as it is, and ``{amount:d}`` failed
    every document with a bare ValueError. A literal brace is written twice (``{{``)."""
    _text(_, attribute, value)
    try:
        parts = list(string.Formatter().parse(value))
    except ValueError as e:
        raise InvalidValue(
            f"is not a template ({e}); write a literal brace twice ({{{{ }}}})",
            field=attribute.name,
            value=value,
        ) from None
    known = ", ".join(f"{{{name}}}" for name in sorted(PAYMENT_PLACEHOLDERS))
    for _, name, spec, conversion in parts:
        if name is not None and name not in PAYMENT_PLACEHOLDERS:
            raise InvalidValue(
                f"uses the placeholder {{{name}}}, which no document fills in; it may use "
                f"{known} (a literal brace is written twice)",
                field=attribute.name,
                value=value,
            )
        if name is not None and (spec or conversion):
            # (each placeholder is filled in with text already formatted: "{amount:d}" or
            # "{amount!x}" failed every document of the seller with a bare ValueError)
            written = (
                f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
            )
            raise InvalidValue(
                f"writes the placeholder {written} with a format or conversion; its text is "
                f"filled in as it is: write {{{name}}} (it may use {known})",
                field=attribute.name,
                value=value,
            )


@attrs.frozen
class Branding:
    """How the seller's documents look and what they say about the seller.

    ``payment_instructions`` may use ``{amount}``, ``{reference}``, ``{due_date}``, ``{iban}``,
    ``{bic}``, ``{bic_part}`` (`` (BIC ...)`` when there is one) and ``{bank}``
    (``PAYMENT_PLACEHOLDERS``); any other placeholder is refused when the branding is built
    (``InvalidValue`` naming ``payment_instructions``). When empty, the language's standard
    sentence is used. Every field is text (``address`` text or a list of lines of text):
    anything else (a number written without quotes in a branding file) is refused when the
    branding is built (``InvalidValue`` naming the field), and ``language`` is one the
    documents speak (``LABELS``: ``en``, ``de``, ``fr``). ``country`` is the seller's ISO
    3166-1 alpha-2 code (``DE``), or empty: the documents print its name after the address,
    and leave the buyer's country off an invoice to a buyer in the same country.
    """

    company_name: str = attrs.field(default="Your Company", validator=_text)
    address: tuple[str, ...] = attrs.field(default=(), converter=_lines, validator=_address)
    # the seller's country, an ISO 3166-1 alpha-2 code (``DE``): printed after the address in
    # the document's language, and a buyer in the same country is addressed without its own
    country: str = attrs.field(default="", converter=_upper, validator=_country)
    tax_id: str = attrs.field(default="", validator=_text)
    email: str = attrs.field(default="", validator=_text)
    phone: str = attrs.field(default="", validator=_text)
    website: str = attrs.field(default="", validator=_text)
    iban: str = attrs.field(default="", validator=_text)
    bic: str = attrs.field(default="", validator=_text)
    bank: str = attrs.field(default="", validator=_text)
    logo: str = attrs.field(default="", validator=_text)
    primary_colour: str = attrs.field(default="#1f4e79", validator=_colour)
    accent_colour: str = attrs.field(default="#eef3f8", validator=_colour)
    footer: str = attrs.field(default="", validator=_text)
    language: str = attrs.field(default="en", validator=_language)
    payment_instructions: str = attrs.field(default="", validator=_payment_instructions)

    @classmethod
    def load(cls, path: str | Path) -> Branding:
        """Read branding from a TOML or JSON file (keys as the field names). A file that is
        not a table of settings (a JSON list or value) or holds unknown keys is refused,
        ``InvalidValue`` naming ``branding``; a value of the wrong kind, naming its field."""
        p = Path(path)
        text = p.read_text(encoding="utf-8")
        data: Any = json.loads(text) if p.suffix.lower() == ".json" else tomllib.loads(text)
        if not isinstance(data, dict):
            # (a JSON list or value: a list failed with a bare AttributeError, null TypeError)
            raise InvalidValue(
                f"must be a table of settings (keys as the field names), not {type(data).__name__}",
                field="branding",
                value=str(p),
            )
        known = {f.name for f in attrs.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidValue(
                f"unknown branding keys: {', '.join(unknown)}", field="branding", value=str(p)
            )
        logo = data.get("logo")
        if logo and isinstance(logo, str) and not logo.startswith(("http://", "https://", "data:")):
            # a relative logo path is relative to the branding file (a logo that is no text is
            # refused by the field, as every other field's is)
            data["logo"] = str((p.parent / logo).resolve())
        return cls(**data)

    def with_seller(self, seller: SellerProfile) -> Branding:
        """The branding stating the seller a seller profile states (``q2c invoice render
        --seller``, which the e-invoice states from it): what the branding leaves at its
        default (the name, address, country, VAT id, bank account, e-mail and telephone) is
        taken from the profile; an identifier both state (the country, the VAT id, the IBAN,
        the BIC) must be the same, spaces and capitals aside, so every document names one
        seller (``InvalidValue`` naming the branding's field). A name or address of the
        branding's own (a trading name, a visiting address) stays. A street of several lines
        is as many address lines, split as the e-invoice splits it (``address_lines``)."""
        from q2c_adapters.accounting.ubl import address_lines

        place = f"{seller.postal_code} {seller.city}".strip()
        stated: dict[str, Any] = {
            "company_name": seller.trading_name or seller.legal_name,
            "address": tuple(line for line in (*address_lines(seller.street), place) if line),
            "country": seller.country,
            "tax_id": seller.vat_id,
            "iban": seller.iban,
            "bic": seller.bic,
            "email": seller.email,
            "phone": seller.telephone,
        }
        unset = Branding()
        taken: dict[str, Any] = {}
        for name, value in stated.items():
            own = getattr(self, name)
            if not value or not any(value):
                continue
            if own == getattr(unset, name):
                taken[name] = value
            elif name in _IDENTIFIERS and _plain(own) != _plain(value):
                raise InvalidValue(
                    f"the branding states {own!r}, the seller profile {value!r}: every "
                    "document names one seller",
                    field=name,
                    value=own,
                )
        return attrs.evolve(self, **taken)

    def colour_rgb(self, which: str = "primary") -> tuple[int, int, int]:
        """A colour as an (r, g, b) tuple for PDF drawing."""
        value = self.primary_colour if which == "primary" else self.accent_colour
        return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))


# what names the seller to a tax office or a bank: the branding and a seller profile must agree
_IDENTIFIERS = ("country", "tax_id", "iban", "bic")


def _plain(identifier: str) -> str:
    return "".join(identifier.split()).upper()
