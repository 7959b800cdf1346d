"""Branded PDF invoices and credit notes with fpdf2 (pure Python: ``pip install`` is enough).

The text face is DejaVu Sans, shipped in ``fonts/`` (Bitstream Vera licence, see fonts/LICENSE):
Latin (accents included), Greek, Cyrillic, Armenian, Georgian, Hebrew, Arabic letters and most
symbols print as they are. Text written right to left (a Hebrew buyer name, an Arabic address or
line text) is laid out by fpdf2's text shaping (HarfBuzz, the ``uharfbuzz`` package of the
``adapters`` extra): the Unicode bidirectional algorithm puts it in reading order, numbers in it
keep reading left to right, and Arabic letters join. Shaping is turned on only for a document
that holds such text, so every other document is laid out exactly as before, and as fast;
without ``uharfbuzz`` installed such a document is refused, ``InvalidValue`` naming the field,
never printed backwards. The font has no Chinese, Japanese or Korean glyphs (nor Thai,
Devanagari and other scripts of South and East Asia), and no CJK font small enough to ship is at
hand: a document with text the font cannot print (a Japanese buyer name, address or line text,
or branding) is refused before any PDF is made, ``InvalidValue`` naming the field
(``customer_name``, ``lines[L1].description``, ``branding.company_name``...) and the characters,
never printed with that text left blank. Render such a document as HTML or UBL, which carry any
text. Every page repeats the letterhead and the table headings and ends with "Page n of N"; the
detail section lists the time entries and contract periods the lines bill.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import attrs
from fpdf import FPDF
from fpdf.enums import CellBordersLayout
from fpdf.errors import FPDFException
from fpdf.fonts import FontFace, TTFFont
from fpdf.util import Padding

from q2c_adapters.documents.branding import LOGO_SUFFIXES, Branding, logo_file
from q2c_adapters.documents.model import (
    ContractPeriodDetail,
    DocumentLine,
    DocumentTax,
    InvoiceDocument,
    TimeEntryDetail,
    build_document,
)
from q2c_core.domain.errors import InvalidValue

if TYPE_CHECKING:
    from q2c_core.application import QuoteToCash

FONTS = Path(__file__).parent / "fonts"
FONT = "DejaVu"
_PADDING = 1
# An fpdf2 table row never spans pages: a row with a cell longer than this many lines is printed
# as one table row per line, joined seamlessly, so it breaks across pages like running text.
_MAX_ROW_LINES = 10
# What fpdf2 replaces with the page count when the PDF is closed, wherever it is printed. Not its
# default "{nb}", which a buyer's name, a line's text or the branding may well hold ("Shop {nb}
# GmbH" printed as "Shop 1 GmbH"): Private Use Area characters DejaVu Sans has no glyphs for, so
# no printable text holds them (``_refuse_unprintable`` refuses any that does). Three characters
# reserve the width of three digits, as "{nb}" did.
PAGE_COUNT_ALIAS = "\ue000\ue001\ue002"
_FOOTER_LINE = 4  # mm, a line of the footer
_TOTALS_ROW = 5.5  # mm, a row of the totals
_LETTERHEAD = 80  # mm the letterhead's text keeps beside a logo however wide
_PAGE_NUMBER_WIDTH = 32  # mm kept free for "Seite 999 von 999" beside the footer's last line


def _logo(logo: str) -> Path | None:
    """The local logo file the letterhead prints (None for none; a URL or data URI is not
    fetched): an existing PNG, JPEG, GIF or SVG file that is a picture (``logo_file``), else
    ``InvalidValue`` naming ``logo``."""
    if not logo or logo.startswith(("http", "data:")):
        return None
    if Path(logo).suffix.lower() not in LOGO_SUFFIXES:
        raise InvalidValue("needs an existing PNG, JPEG, GIF or SVG file", field="logo", value=logo)
    return logo_file(logo)


class _InvoicePDF(FPDF):
    """An A4 page with the seller's letterhead on top and the page number at the bottom."""

    def __init__(self, doc: InvoiceDocument) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.doc = doc
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=22)
        # the footer's lines (``lay_out_footer``), wrapped within the margins
        self.footer_lines: list[str] = []
        self.bank_lines: list[str] = []
        self.alias_nb_pages(PAGE_COUNT_ALIAS)
        self.set_title(f"{doc.title} {doc.number}".strip())
        self.set_author(doc.branding.company_name)
        self.set_creator("q2c")

    def normalize_text(self, text: str) -> str:
        """Text as the page prints it: a tab is a space and a carriage return (alone or before
        a line feed) a line break, as the HTML shows them; fpdf2 printed nothing for either,
        running the words together ("Licence\\t3\\tseats" as "Licence3seats")."""
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
        return super().normalize_text(text)

    def header(self) -> None:
        b = self.doc.branding
        top = self.get_y()
        logo = _logo(b.logo)
        if logo is not None:
            try:
                info = self.image(str(logo), x=self.l_margin, y=top, h=14)
            except (OSError, ValueError, SyntaxError, FPDFException) as error:
                # (a picture Pillow or the XML parser reads but fpdf2 cannot lay out)
                raise InvalidValue(
                    f"{logo} cannot be printed ({' '.join(str(error).split())})",
                    field="logo",
                    value=b.logo,
                ) from error
            # the letterhead's text goes right of the logo, keeping at least _LETTERHEAD mm
            left = self.l_margin + float(info.rendered_width) + 4
            start = min(left, self.w - self.r_margin - _LETTERHEAD)
        else:
            start = self.l_margin
        width = self.w - self.r_margin - start
        # the seller's name, address and contact wrap within that width, right-aligned: they
        # never run over the logo nor off the page
        self.set_font(FONT, "B", 13)
        self.set_text_color(*b.colour_rgb())
        self.set_x(start)
        self.multi_cell(width, 7, b.company_name, align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 8)
        self.set_text_color(80, 80, 80)
        contact = [*self.doc.seller_address, b.email, b.phone, b.website]
        self.set_x(start)
        self.multi_cell(
            width, 4, " · ".join(x for x in contact if x), align="R", new_x="LMARGIN", new_y="NEXT"
        )
        if b.tax_id:
            # the seller's VAT id, labelled in the document's language, as the HTML's letterhead
            self.set_x(start)
            self.multi_cell(
                width,
                4,
                f"{self.doc.labels['our_tax_id']}: {b.tax_id}",
                align="R",
                new_x="LMARGIN",
                new_y="NEXT",
            )
        self.set_y(max(self.get_y(), top + 15))
        self.set_draw_color(*b.colour_rgb())
        self.set_line_width(0.8)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(4)
        self.set_text_color(0, 0, 0)

    def lay_out_footer(self) -> None:
        """Wrap the footer within the margins, once the first page is there to measure on: the
        branding's footer (a GmbH's register, managing directors, tax numbers...) over the
        whole width, then the bank line (name, IBAN, BIC) beside the page number; each line is
        printed whole.
        The page's body stops above the footer's first line, however many it wraps to."""
        b = self.doc.branding
        # as the HTML's footer: each code named (the VAT id is labelled in the letterhead)
        bank = " · ".join(
            x
            for x in (
                b.company_name,
                f"IBAN {b.iban}" if b.iban else "",
                f"BIC {b.bic}" if b.bic else "",
            )
            if x
        )
        font = (self.font_family, self.font_style, self.font_size_pt)
        self.set_font(FONT, "", 7)
        self.footer_lines = self._footer_wrap(b.footer, self.epw) if b.footer else []
        self.bank_lines = self._footer_wrap(bank, self.epw - _PAGE_NUMBER_WIDTH)
        self.set_font(*font)
        lines = len(self.footer_lines) + len(self.bank_lines)
        # as before for two lines (the body ends 22 mm above the bottom, the footer 16 mm)
        self.set_auto_page_break(auto=True, margin=14 + _FOOTER_LINE * lines)

    def _footer_wrap(self, text: str, width: float) -> list[str]:
        lines = self.multi_cell(
            w=width, h=_FOOTER_LINE, text=text, dry_run=True, output="LINES", padding=0
        )
        assert isinstance(lines, list)
        return [str(line) for line in lines] or [""]

    def footer(self) -> None:
        lines = self.footer_lines + self.bank_lines
        self.set_y(-(8 + _FOOTER_LINE * len(lines)))
        self.set_font(FONT, "", 7)
        self.set_text_color(90, 90, 90)
        for line in lines:
            self.cell(0, _FOOTER_LINE, line, align="L", new_x="LMARGIN", new_y="NEXT")
        page = self.doc.labels["page"].format(page=self.page_no(), pages=PAGE_COUNT_ALIAS)
        self.set_xy(self.l_margin, -12)
        self.cell(0, _FOOTER_LINE, page, align="R")


# Branding fields the PDF prints (the payment instructions through the payment text).
_BRANDING_TEXTS = (
    "company_name", "address", "tax_id", "email", "phone", "website", "iban", "bic", "bank",
    "footer", "payment_instructions",
)  # fmt: skip
# Characters that print nothing, glyph or not: controls, format characters, line separators.
_UNPRINTED = {"Cc", "Cf", "Zl", "Zp"}
# The Unicode bidirectional classes of right-to-left text (Hebrew, N'Ko R; Arabic, Syriac,
# Thaana AL; Arabic-Indic digits AN): fpdf2 reorders and joins them only with its HarfBuzz text
# shaping, which a document holding any of them is laid out with (``_shaped``).
_RIGHT_TO_LEFT = {"R", "AL", "AN"}
_ROWS: dict[type, str] = {
    DocumentLine: "lines",
    DocumentTax: "taxes",
    TimeEntryDetail: "time_entries",
    ContractPeriodDetail: "contract_periods",
}


def _texts(doc: InvoiceDocument) -> Iterator[tuple[str, str]]:
    """Every text the PDF prints that did not come with q2c (its labels did), with the field it
    is named by: the branding's first, then the document's in order, a row's field by its line
    (``lines[L1].description``)."""
    for name in _BRANDING_TEXTS:
        value = getattr(doc.branding, name)
        for text in value if isinstance(value, tuple) else (value,):
            yield f"branding.{name}", text
    for field in attrs.fields(InvoiceDocument):
        if field.name in ("labels", "branding", "language"):
            continue
        value = getattr(doc, field.name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, str):
                yield field.name, item
            elif type(item) in _ROWS:
                key = getattr(item, "line_id", None) or getattr(item, "category", "")
                row = f"{_ROWS[type(item)]}[{key}]"
                for part in attrs.fields(type(item)):
                    yield f"{row}.{part.name}", getattr(item, part.name)


def _right_to_left(text: str) -> list[str]:
    """The characters of ``text`` written right to left, each once, in order."""
    return list(dict.fromkeys(ch for ch in text if unicodedata.bidirectional(ch) in _RIGHT_TO_LEFT))


def _shaped(pdf: _InvoicePDF) -> bool:
    """Turn on fpdf2's text shaping (HarfBuzz: the Unicode bidirectional algorithm and Arabic
    joining) when the document holds text written right to left, its labels included; True
    when it did. Without ``uharfbuzz`` installed it stays off, and ``_refuse_unprintable``
    refuses such text. Any other document is laid out without it, exactly as before (shaping
    kerns Latin text, so its widths would change) and as fast."""
    texts = [text for _, text in _texts(pdf.doc)] + list(pdf.doc.labels.values())
    if not any(_right_to_left(text) for text in texts):
        return False
    try:
        pdf.set_text_shaping(True)
    except FPDFException:  # (uharfbuzz is not installed)
        return False
    return True


def _refuse_unprintable(pdf: _InvoicePDF, shaped: bool) -> None:
    """Refuse a document with text no face of the PDF font has glyphs for: fpdf2 would print it
    blank with only a warning (a Japanese buyer name under "Bill to" as an empty line); and,
    unless the document is ``shaped``, one with text written right to left (Hebrew, Arabic):
    without text shaping fpdf2 lays it out left to right in the order it is stored, so שלום read
    backwards and Arabic letters stood unjoined.

    Raises ``InvalidValue`` naming the first such field and its characters."""
    faces = [f for f in pdf.fonts.values() if isinstance(f, TTFFont)]
    for field, text in _texts(pdf.doc):
        reserved = sorted({ch for ch in text if ch in PAGE_COUNT_ALIAS})
        if reserved:
            shown = ", ".join(f"U+{ord(ch):04X}" for ch in reserved)
            raise InvalidValue(
                f"has private-use characters the PDF reserves for its page count ({shown}); "
                "the PDF would print the number of pages there, so it is not made",
                field=field,
                value=text,
            )
        missing = list(
            dict.fromkeys(
                ch
                for ch in text
                if unicodedata.category(ch) not in _UNPRINTED
                and not all(ord(ch) in face.cmap for face in faces)
            )
        )
        if missing:
            shown = ", ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in missing[:10])
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            raise InvalidValue(
                f"has characters the PDF font (DejaVu Sans) cannot print: {shown}{more}; "
                "the PDF would leave them blank, so it is not made (HTML and UBL carry them)",
                field=field,
                value=text,
            )
        backwards = [] if shaped else _right_to_left(text)
        if backwards:
            shown = ", ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in backwards[:10])
            more = f" and {len(backwards) - 10} more" if len(backwards) > 10 else ""
            raise InvalidValue(
                f"is written right to left (Hebrew, Arabic...: {shown}{more}); the PDF lays "
                "such text out only with text shaping, which needs the uharfbuzz package (pip "
                "install 'q2c[adapters]'), and without it would print it backwards (Arabic "
                "unjoined), so it is not made (HTML and UBL carry it)",
                field=field,
                value=text,
            )


def _heading_style(doc: InvoiceDocument) -> FontFace:
    return FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=doc.branding.colour_rgb())


def _wrapped(pdf: _InvoicePDF, text: str, width: float, line_height: float) -> list[str]:
    """The lines a table cell of ``width`` breaks ``text`` into (in the current font)."""
    lines = pdf.multi_cell(
        w=width,
        h=line_height,
        text=text,
        max_line_height=line_height,
        padding=_PADDING,
        dry_run=True,
        output="LINES",
    )
    assert isinstance(lines, list)
    return [str(line) for line in lines] or [""]


def _split_rows(
    pdf: _InvoicePDF,
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    line_height: float,
) -> list[list[list[str]]]:
    """Each body row as the parts it prints in: itself, or one part per line when it runs long.

    An fpdf2 table row cannot span pages, so a row with a cell that wraps to more than
    ``_MAX_ROW_LINES`` lines becomes one part per printed line: part k carries line k of every
    cell (blank where a cell has fewer lines). The lines are the ones the full cell prints, so
    nothing is lost or re-flowed.
    """
    scale = pdf.epw / sum(widths)
    out: list[list[list[str]]] = []
    for values in rows:
        cells = [
            _wrapped(pdf, value, width * scale, line_height)
            for value, width in zip(values, widths, strict=True)
        ]
        parts = max(len(c) for c in cells)
        if parts <= _MAX_ROW_LINES:
            out.append([list(values)])
        else:
            out.append([[c[k] if k < len(c) else "" for c in cells] for k in range(parts)])
    return out


def _word_width(pdf: _InvoicePDF, text: str) -> float:
    """The width of the widest word of ``text`` in the current font (0 for blank text)."""
    return max((pdf.get_string_width(word) for word in text.split()), default=0.0)


def _fitted_widths(
    pdf: _InvoicePDF,
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    whole: Sequence[int],
    size: float,
) -> list[float]:
    """The column widths (in mm, adding up to the page's width) with room for each word.

    No word of a heading (printed bold) nor of any column's cell is broken where the column is
    wide enough for it: a column too narrow is widened, taking the room from the widest columns
    (the description, an item's text), which wrap between words. The columns in ``whole``
    (numbers: quantities, prices, amounts) get room for each cell on one line, so an amount and
    its currency stay together; a number is never broken inside its digits ("1,250,00" over "0")
    unless the page cannot hold it at all.
    """
    scale = pdf.epw / sum(widths)
    out = [w * scale for w in widths]
    pad = 2 * _PADDING + 0.5  # the cell's padding and a little slack against rounding
    pdf.set_font(FONT, "B", size)
    need = [_word_width(pdf, heading) + pad for heading in rows[0]]
    pdf.set_font(FONT, "", size)
    for row in rows[1:]:
        for k, value in enumerate(row):
            width = pdf.get_string_width(value) if k in whole else _word_width(pdf, value)
            need[k] = max(need[k], width + pad)
    for k in sorted(range(len(out)), key=lambda k: need[k] - out[k], reverse=True):
        short = need[k] - out[k]
        if short <= 0:
            break
        # from the widest other columns, each keeping the room its own words need
        for donor in sorted(range(len(out)), key=lambda d: out[d], reverse=True):
            if donor == k or short <= 0:
                continue
            spare = out[donor] - max(need[donor], 10.0)
            if spare > 0:
                give = min(spare, short)
                out[donor] -= give
                out[k] += give
                short -= give
    return out


def _table(
    pdf: _InvoicePDF,
    doc: InvoiceDocument,
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    align: Sequence[str],
    size: float = 8.5,
    whole: Sequence[int] = (),
) -> None:
    """A table whose first row holds the headings (repeated on every page it runs over).

    ``widths`` are the columns' shares of the page's width, widened where a word or a number
    would not fit (``_fitted_widths``; the columns in ``whole`` print each cell on one line).
    A row split into parts (see ``_split_rows``) prints like one tall row: no rule and no padding
    between its parts, so where a page ends the row simply continues on the next one.
    """
    widths = _fitted_widths(pdf, rows, widths, whole, size)
    pdf.set_font(FONT, "", size)
    line_height = size * 0.55
    options: dict[str, Any] = {
        "col_widths": tuple(widths),
        "text_align": tuple(align),
        "headings_style": _heading_style(doc),
        "line_height": line_height,
        "padding": _PADDING,
        "borders_layout": "HORIZONTAL_LINES",
        "width": pdf.epw,
    }
    body = _split_rows(pdf, rows[1:], widths, line_height)
    with pdf.table(**options) as table:
        heading = table.row()
        for value in rows[0]:
            heading.cell(value)
        for n, parts in enumerate(body):
            last_row = n == len(body) - 1
            for k, values in enumerate(parts):
                row = table.row()
                if len(parts) == 1:
                    for value in values:
                        row.cell(value)
                    continue
                first, last = k == 0, k == len(parts) - 1
                border = CellBordersLayout.NONE
                if first:
                    border |= CellBordersLayout.TOP
                if last and not last_row:
                    border |= CellBordersLayout.BOTTOM
                padding = Padding(
                    top=_PADDING if first else 0,
                    right=_PADDING,
                    bottom=_PADDING if last else 0,
                    left=_PADDING,
                )
                for value in values:
                    row.cell(value, border=border, padding=padding)


# the room (mm) a section's title needs above the body's foot to start on the page, with its
# table's heading and first row or the first lines of its text (under a footer of two lines,
# whose body stops 22 mm above the paper's edge: 50 mm above the edge, as it always was)
_SECTION_ROOM = 28


def _section(pdf: _InvoicePDF, doc: InvoiceDocument, title: str) -> None:
    """A section's title, on a new page when the room left above the footer (however many
    lines the footer takes, ``lay_out_footer``) cannot hold it with what follows it: never a
    title alone at the foot of a page and its table or text overleaf."""
    pdf.ln(3)
    if pdf.get_y() > pdf.page_break_trigger - _SECTION_ROOM:
        pdf.add_page()
    pdf.set_font(FONT, "B", 11)
    pdf.set_text_color(*doc.branding.colour_rgb())
    pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _pair(pdf: _InvoicePDF, label: str, value: str, bold: bool = False) -> None:
    pdf.set_font(FONT, "B" if bold else "", 9.5 if bold else 9)
    width = 60
    pdf.set_x(pdf.w - pdf.r_margin - width - 40)
    pdf.cell(60, _TOTALS_ROW, label, align="L")
    pdf.cell(40, _TOTALS_ROW, value, align="R", new_x="LMARGIN", new_y="NEXT")


# the buyer's column, left of the Number/Date column (which starts 80 mm from the right margin)
_PARTY_WIDTH = 90


def _party_line(pdf: _InvoicePDF, text: str, height: float) -> None:
    """One line of the buyer's block, wrapped within its column (a word longer than the column
    is broken), the next one below it."""
    pdf.set_x(pdf.l_margin)
    pdf.multi_cell(_PARTY_WIDTH, height, text, align="L", new_x="LMARGIN", new_y="NEXT")


def render_document_pdf(doc: InvoiceDocument) -> bytes:
    """Lay out a gathered document as a PDF, text written right to left with text shaping; text
    the font cannot print is refused first (``InvalidValue`` naming the field and the
    characters, see the module's docstring)."""
    t = doc.labels
    pdf = _InvoicePDF(doc)
    _refuse_unprintable(pdf, shaped=_shaped(pdf))
    _logo(doc.branding.logo)  # (refused before any page: a missing file, or no picture)
    pdf.add_page()
    pdf.lay_out_footer()

    # parties and meta
    top = pdf.get_y()
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(_PARTY_WIDTH, 4.5, t["bill_to"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    # the buyer wraps within its column: a long name or address line never runs into the
    # Number/Date column nor off the page
    pdf.set_font(FONT, "B", 10)
    _party_line(pdf, doc.customer_name, 5)
    pdf.set_font(FONT, "", 9)
    for line in doc.customer_address:
        _party_line(pdf, line, 4.5)
    if doc.customer_tax_id:
        _party_line(pdf, f"{t['customer_tax_id']}: {doc.customer_tax_id}", 4.5)
    left_bottom = pdf.get_y()
    meta = [
        (t["number"], doc.number),
        (t["issued_on"], doc.issued_on),
        (t["due_date"], "" if doc.is_credit_note else doc.due_date),
        (t["po"], doc.purchase_order),
        (t["credits"], doc.credits_invoice or doc.credits_number),
    ]
    pdf.set_y(top)
    for label, value in meta:
        if value:
            pdf.set_x(pdf.w - pdf.r_margin - 80)
            pdf.set_font(FONT, "", 9)
            pdf.cell(40, 4.5, label)
            pdf.set_font(FONT, "B", 9)
            # (a long value, the credited invoice's number and date, wraps in its column)
            pdf.multi_cell(40, 4.5, value, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 4)

    pdf.set_font(FONT, "B", 16)
    pdf.set_text_color(*doc.branding.colour_rgb())
    # (a number of a long series prefix wraps within the margins, never runs off the page)
    pdf.multi_cell(0, 9, f"{doc.title} {doc.number}".strip(), new_x="LMARGIN", new_y="NEXT")
    if doc.is_draft:
        pdf.set_font(FONT, "B", 10)
        pdf.set_text_color(176, 0, 32)
        pdf.cell(0, 6, t["draft"], new_x="LMARGIN", new_y="NEXT")
    if doc.is_voided:
        pdf.set_font(FONT, "B", 10)
        pdf.set_text_color(176, 0, 32)
        pdf.cell(0, 6, t["voided"], new_x="LMARGIN", new_y="NEXT")
        if doc.void_reason:
            pdf.set_font(FONT, "", 9)
            pdf.multi_cell(
                0, 5, f"{t['void_reason']}: {doc.void_reason}", new_x="LMARGIN", new_y="NEXT"
            )
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)

    # lines
    rows = [
        [t["line"], t["description"], t["quantity"], t["unit_price"], t["tax_rate"], t["amount"]]
    ]
    # the period of service a line states and why it is priced as it is, under its description
    rows += [
        [
            x.line_id,
            "\n".join(
                part
                for part in (
                    x.description,
                    f"{t['service_period']}: {x.period}" if x.period else "",
                    x.price_reason,
                )
                if part
            ),
            x.quantity,
            x.unit_price,
            x.tax_rate,
            x.amount,
        ]
        for x in doc.lines
    ]
    _table(
        pdf, doc, rows, (10, 74, 16, 28, 18, 28), ("L", "L", "R", "R", "L", "R"), whole=(2, 3, 4, 5)
    )

    # totals, together on one page: the rows of net, each category's tax, total, and paid,
    # credited and amount due (never "Total" at the foot of a page and "Amount due" overleaf)
    pdf.ln(2)
    rows_of_totals = 2 + len(doc.taxes) + (3 if doc.has_payments else 0)
    rows_of_totals += 1 if doc.written_off else 0
    if pdf.get_y() + rows_of_totals * _TOTALS_ROW > pdf.page_break_trigger:
        pdf.add_page()
    _pair(pdf, t["net"], doc.net)
    for tax in doc.taxes:
        _pair(pdf, f"{t['tax']} {tax.category}", tax.tax)
    _pair(pdf, t["total"], doc.total, bold=True)
    if doc.has_payments:
        _pair(pdf, t["paid"], doc.paid)
        _pair(pdf, t["credited"], doc.credited)
        if doc.written_off:  # (a remainder written off: ``write_off_remainder``)
            _pair(pdf, t["written_off"], doc.written_off)
        _pair(pdf, t["amount_due"], doc.amount_due, bold=True)

    # tax per category
    _section(pdf, doc, t["tax_summary"])
    tax_rows = [[t["tax_category"], t["taxable"], t["tax"]]]
    # the reason a category charges no VAT beside its code (VAT Directive art. 226(11)/(11a))
    tax_rows += [
        [f"{x.category} – {x.reason}" if x.reason else x.category, x.taxable, x.tax]
        for x in doc.taxes
    ]
    _table(pdf, doc, tax_rows, (104, 35, 35), ("L", "R", "R"), whole=(1, 2))

    # payment instructions
    _section(pdf, doc, t["payment"])
    pdf.set_font(FONT, "", 9)
    pdf.set_fill_color(*doc.branding.colour_rgb("accent"))
    bank = doc.branding.bank and not doc.is_voided
    text = doc.payment_text + (f"\n{doc.branding.bank}" if bank else "")
    pdf.multi_cell(0, 5, text, fill=True, new_x="LMARGIN", new_y="NEXT")
    if doc.note:
        pdf.ln(2)
        pdf.multi_cell(0, 5, doc.note, new_x="LMARGIN", new_y="NEXT")

    # details
    if doc.time_entries or doc.contract_periods:
        _section(pdf, doc, t["details"])
    if doc.time_entries:
        pdf.set_font(FONT, "B", 9.5)
        pdf.cell(0, 6, t["time_entries"], new_x="LMARGIN", new_y="NEXT")
        entry_rows = [[t["line"], t["request"], t["date"], t["worker"], t["hours"], t["note"]]]
        entry_rows += [
            [e.line_id, e.request, e.work_date, e.worker, e.hours, e.note] for e in doc.time_entries
        ]
        _table(
            pdf,
            doc,
            entry_rows,
            (10, 40, 22, 26, 18, 58),
            ("L", "L", "L", "L", "R", "L"),
            8,
            whole=(2, 4),
        )
    if doc.contract_periods:
        pdf.ln(2)
        pdf.set_font(FONT, "B", 9.5)
        pdf.cell(0, 6, t["contract_periods"], new_x="LMARGIN", new_y="NEXT")
        period_rows = [[t["line"], t["contract"], t["item"], t["period"], t["share"]]]
        period_rows += [
            [p.line_id, p.contract, p.item, p.period, p.share] for p in doc.contract_periods
        ]
        _table(
            pdf, doc, period_rows, (10, 28, 62, 52, 22), ("L", "L", "L", "L", "R"), 8, whole=(4,)
        )
    return bytes(pdf.output())


def render_pdf(app: QuoteToCash, invoice_id: UUID, branding: Branding | None = None) -> bytes:
    """An invoice or credit note as PDF bytes (refused, ``InvalidValue``, when it holds text the
    font cannot print: see the module's docstring)."""
    return render_document_pdf(build_document(app, invoice_id, branding or Branding()))


class PdfInvoiceRenderer:
    """The ``DocumentRenderer`` port for PDF."""

    media_type = "application/pdf"

    def __init__(self, app: QuoteToCash, branding: Branding | None = None) -> None:
        self.app = app
        self.branding = branding or Branding()

    def render(self, invoice_id: UUID) -> bytes:
        """The PDF's bytes."""
        return render_pdf(self.app, invoice_id, self.branding)
