"""``q2c invoice render``: an invoice or credit note as PDF, HTML or UBL (PEPPOL BIS 3.0) XML.

``register(app)`` adds the ``invoice`` command group with its ``render`` command to the main CLI;
``add_render_command(group)`` adds ``render`` to an existing group instead.
"""

from __future__ import annotations

import enum
import json
import re
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import attrs
import typer

from q2c_adapters.cli_support import (
    fail,
    find_reference,
    one_line,
    open_app,
    refuse,
    store_file_named,
)
from q2c_adapters.documents.branding import Branding
from q2c_adapters.documents.html import render_html
from q2c_adapters.documents.pdf import render_pdf
from q2c_adapters.output_files import write_whole
from q2c_core.application import QuoteToCash
from q2c_core.domain.errors import InvalidValue, NotFound, Q2CError

if TYPE_CHECKING:
    from q2c_adapters.accounting.seller import Endpoint


class DocumentFormat(enum.Enum):
    """The document kinds ``render`` writes."""

    PDF = "pdf"
    HTML = "html"
    UBL = "ubl"

    @property
    def suffix(self) -> str:
        """The file name extension."""
        return {"pdf": ".pdf", "html": ".html", "ubl": ".xml"}[self.value]


def default_file_name(number: str, fmt: DocumentFormat) -> Path:
    """The file ``render`` writes without ``--out``: the number in the current folder, as a name
    any file system takes. Numbers such as ``RE/2024/000001`` are common, and a series prefix may
    hold anything, so each character but letters, digits, ``_``, ``.`` and ``-`` becomes ``_``
    (``RE_2024_000001.pdf``), and a name starting with ``.`` gets a leading ``_``: never a
    folder, a hidden file or a file outside the current folder (``../`` is ``_.._``)."""
    name = re.sub(r"[^\w.-]", "_", number)
    if name.startswith("."):
        name = "_" + name
    return Path(name + fmt.suffix)


def _read_table(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    # (JSON by its suffix in any case, as a branding file: SELLER.JSON was read as TOML)
    data: dict[str, Any] = (
        json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    )
    if not isinstance(data, dict):
        raise ValueError("not a table of settings")
    return data


def load_branding(path: Path | None, lang: str | None) -> Branding:
    """The branding of ``--branding`` (q2c's own without one), in ``--lang``; a file that
    cannot be read or holds unknown keys exits 2."""
    try:
        brand = Branding.load(path) if path is not None else Branding()
    except (OSError, ValueError, TypeError, Q2CError) as error:
        fail(f"--branding {path}: {one_line(error)}")
    if lang:
        try:
            brand = Branding(**{**_branding_fields(brand), "language": lang})
        except (ValueError, TypeError, Q2CError) as error:
            fail(f"--lang {lang}: {one_line(error)}")
    return brand


def _stating_seller(brand: Branding, seller: Path) -> Branding:
    """The branding with the seller of ``--seller`` (``Branding.with_seller``); a profile
    that cannot be read, or a branding naming another seller, exits 2."""
    try:
        return brand.with_seller(load_seller(seller))
    except InvalidValue as other:
        fail(f"--seller {seller}: {other.field}: {other.rule}")


def load_seller(path: Path) -> Any:
    """The seller profile of ``--seller`` (TOML or JSON, keys as ``SellerProfile``'s
    fields: ``legal_name``, ``registration_id``, ``street``, ``city``, ``postal_code``,
    ``country`` and ``iban`` required; ``vat_id`` empty or left out for a seller without one,
    who then needs an ``endpoint``, "SCHEME:ID" or a table of ``scheme`` and ``identifier``);
    a file that cannot be read, unknown or missing keys, or bad values exit 2."""
    from q2c_adapters.accounting.seller import Endpoint, SellerProfile

    try:
        data = _read_table(path)
        known = {f.name for f in attrs.fields(SellerProfile)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"unknown seller keys: {', '.join(unknown)} (known: {', '.join(sorted(known))})"
            )
        endpoint = data.get("endpoint")
        if isinstance(endpoint, dict):
            if set(endpoint) != {"scheme", "identifier"}:
                raise ValueError("endpoint must be a table of scheme and identifier")
            data["endpoint"] = Endpoint.of(
                endpoint["scheme"], endpoint["identifier"], "seller.endpoint"
            )
        elif isinstance(endpoint, str):
            scheme, colon, identifier = endpoint.partition(":")
            if not colon:
                raise ValueError("endpoint must be SCHEME:ID, e.g. 0088:7300010000001")
            data["endpoint"] = Endpoint.of(scheme.strip(), identifier.strip(), "seller.endpoint")
        elif endpoint is not None:
            raise ValueError("endpoint must be SCHEME:ID or a table of scheme and identifier")
        data.setdefault("vat_id", "")
        return SellerProfile(**data)
    except (OSError, ValueError, TypeError, Q2CError) as error:
        fail(f"--seller {path}: {one_line(error)}")


def parse_endpoint(text: str | None) -> Endpoint | None:
    """The buyer's PEPPOL address of ``--buyer-endpoint SCHEME:ID`` (``0088:7300010000001``);
    another form, a scheme outside PEPPOL's EAS code list or an identifier its scheme's PEPPOL
    rule refuses (a GLN's check digit, ...; ``seller.endpoint_problem``) is a one-line error
    naming the rule, exit 2."""
    if text is None:
        return None
    from q2c_adapters.accounting.seller import Endpoint

    scheme, colon, identifier = text.partition(":")
    try:
        if not colon:
            raise ValueError("must be SCHEME:ID, e.g. 0088:7300010000001")
        return Endpoint.of(scheme.strip(), identifier.strip(), "buyer.endpoint")
    except (ValueError, Q2CError) as error:
        fail(f"--buyer-endpoint {text}: {one_line(error)}")


def render_ubl(
    app: QuoteToCash,
    invoice_id: UUID,
    seller_file: Path | None,
    buyer: Endpoint | None = None,
    language: str = "en",
) -> bytes:
    """The UBL document, by part A's generator (``q2c_adapters.accounting.ubl``), addressed to
    the ``buyer`` endpoint (without one, to the buyer's VAT id), q2c's texts in ``language``."""
    if seller_file is None:
        raise typer.BadParameter(
            "UBL needs the seller's profile (a TOML or JSON file)", param_hint="--seller"
        )
    from q2c_adapters.accounting.ubl import UblRenderer

    endpoints = {app.invoice(invoice_id).customer_id: buyer} if buyer is not None else {}
    renderer = UblRenderer(
        app, load_seller(seller_file), buyer_endpoints=endpoints, language=language
    )
    return renderer.render(invoice_id)


def _refuse_the_store(out: Path | None, url: str) -> None:
    """Refuse (exit 2, nothing written) an --out naming the SQLite store the document is read
    from (``store_file_named``): the document replaced the database, q2c's whole history."""
    if out is None or str(out) == "-":
        return
    store = store_file_named(out, url)
    if store is not None:
        fail(
            f"--out {out}: is the store the document is read from ({store}); writing it would "
            "replace q2c's history: name another file"
        )


def render_command(
    invoice: Annotated[str, typer.Argument(help="Invoice id or number, e.g. INV-000042.")],
    url: Annotated[
        str,
        typer.Option("--url", envvar="Q2C_URL", help="Storage URL, e.g. sqlite:///billing.db."),
    ],
    fmt: Annotated[
        DocumentFormat, typer.Option("--format", "-f", help="pdf, html or ubl.")
    ] = DocumentFormat.PDF,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Output file; '-' for stdout; default <number>.<ext> in the current folder, "
            "with '_' for '/' and other characters a file name cannot hold "
            "(RE/2024/000001 -> RE_2024_000001.pdf).",
        ),
    ] = None,
    branding: Annotated[
        Path | None, typer.Option(help="Branding file (TOML or JSON): logo, colours, footer...")
    ] = None,
    templates: Annotated[
        Path | None,
        typer.Option(
            "--templates", help="Directory of HTML templates overriding q2c's (-f html only)."
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(help="Language: en, de or fr (of q2c's texts in -f ubl too)."),
    ] = None,
    seller: Annotated[
        Path | None, typer.Option(help="Seller profile for UBL (TOML or JSON).")
    ] = None,
    buyer_endpoint: Annotated[
        str | None,
        typer.Option(
            help="The buyer's PEPPOL address for UBL (-f ubl only) as SCHEME:ID, e.g. "
            "0088:7300010000001 (default: the one of its VAT id)."
        ),
    ] = None,
) -> None:
    """Render an invoice or credit note as PDF, HTML or UBL XML.

    Without --out the document goes to the current folder, named after its number with '_' for
    '/' and the other characters a file name cannot hold (RE/2024/000001 -> RE_2024_000001.pdf).

    --templates shapes -f html only, --branding -f pdf and -f html only, and --buyer-endpoint
    goes into -f ubl only: given for another format, each is an error (exit 2), never silently
    ignored. --lang is the language of every format: in -f ubl, of the texts q2c writes (the
    payment terms, why no VAT is charged, the billing run's and q2c's line texts), as the PDF
    prints them; a person's text stays as typed.

    A file that cannot be read (--branding, --seller, --templates) or written (--out) is an
    error (exit 2), and so is a template in --templates that Jinja2 cannot read or render (a
    syntax error, a variable q2c does not give: the error names its file and line), and a
    number no invoice or credit note has (as ``history`` and ``explain`` refuse it); an id no
    invoice has, or a document that cannot be rendered, exit 1.
    """
    if templates is not None and fmt is not DocumentFormat.HTML:
        # (the PDF is laid out by q2c and the UBL is data: neither reads templates)
        fail(
            f"--templates {templates}: HTML templates shape -f html only; the {fmt.value} "
            "document reads none (give -f html, or leave --templates out)"
        )
    if branding is not None and fmt is DocumentFormat.UBL:
        # (the UBL is data: its seller is --seller's profile, its language --lang)
        fail(
            f"--branding {branding}: a branding shapes -f pdf and -f html only; the ubl "
            "document reads none (its seller is --seller, its language --lang)"
        )
    if buyer_endpoint is not None and fmt is not DocumentFormat.UBL:
        fail(
            f"--buyer-endpoint {buyer_endpoint}: the buyer's PEPPOL address goes into -f ubl "
            f"only; the {fmt.value} document carries none (give -f ubl, or leave it out)"
        )
    if templates is not None and not templates.is_dir():
        fail(f"--templates {templates}: no such folder")
    if out is not None and str(out) != "-" and not out.parent.is_dir():
        fail(f"--out {out}: no folder {out.parent}")
    _refuse_the_store(out, url)
    brand = load_branding(branding, lang)
    endpoint = parse_endpoint(buyer_endpoint)
    app = open_app(url)
    try:
        try:
            invoice_id = find_reference(app, invoice)
        except NotFound as unknown:  # (a number none has: a usage error, as for history)
            refuse("INVOICE", unknown.rule)
        app.invoice(invoice_id)  # (an id no invoice has: not found, exit 1 below)
        if seller is not None and fmt is not DocumentFormat.UBL:
            brand = _stating_seller(brand, seller)
        if fmt is DocumentFormat.PDF:
            data = render_pdf(app, invoice_id, brand)
        elif fmt is DocumentFormat.HTML:
            try:
                data = render_html(app, invoice_id, brand, templates).encode()
            except InvalidValue as mistake:
                if mistake.field != "templates":
                    raise
                fail(f"--templates: {mistake.rule}")
        else:
            data = render_ubl(app, invoice_id, seller, endpoint, brand.language)
        if out is not None and str(out) == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
        number = app.invoice(invoice_id).number or f"draft-{invoice_id}"
        target = out or default_file_name(number, fmt)
        _refuse_the_store(target, url)  # (a number named as the store file: billing.db)
        try:
            write_whole(target, data)
        except OSError as error:
            fail(f"--out {target}: {one_line(error)}" if out else f"{target}: {one_line(error)}")
        typer.echo(f"{target} ({len(data)} bytes)", err=True)
    except Q2CError as e:
        hint = " (--buyer-endpoint SCHEME:ID)" if e.field == "buyer.endpoint" else ""
        typer.echo(f"error: {e}{hint}", err=True)
        raise typer.Exit(1) from None
    finally:
        app.close()


def _branding_fields(brand: Branding) -> dict[str, Any]:
    return attrs.asdict(brand, recurse=False)


def add_render_command(group: typer.Typer) -> None:
    """Add ``render`` to an existing ``invoice`` command group."""
    group.command("render")(render_command)


def register(app: typer.Typer) -> None:
    """Add the ``invoice`` group (with ``render``) to the main q2c CLI."""
    group = typer.Typer(help="Invoices and credit notes.", no_args_is_help=True)
    add_render_command(group)
    app.add_typer(group, name="invoice")
