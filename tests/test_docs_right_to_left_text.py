"""A Tel Aviv buyer, שלום בע״מ, and a Dubai address, شارع الشيخ زايد 12، دبي: the PDF font
(DejaVu Sans) has their letters, and the PDF now lays them out as they are read. fpdf2's text
shaping (HarfBuzz, the ``uharfbuzz`` package of the ``adapters`` extra) runs the Unicode
bidirectional algorithm, so Hebrew reads right to left while the numbers in it still read left
to right, and joins Arabic letters into their initial, medial and final forms. It used to lay
the text out letter by letter in stored order: the name came out backwards (a reader saw
מ״עב םולש), Arabic letters unjoined, and such documents were refused. Shaping is turned on only
for a document holding text written right to left: a Latin invoice is laid out byte for byte
as before. Text the font has no glyphs for (Japanese) is still refused, and without
``uharfbuzz`` installed right-to-left text is refused as before, never printed backwards.

How the PDF is read back: ``drawn`` walks a page's content stream with pypdf and lists every
glyph drawn, with its position, the name of the glyph in the embedded font (``.notdef`` is the
empty box a font draws for a character it lacks; ``uniFEB7`` is ARABIC LETTER SHEEN INITIAL
FORM) and the characters the PDF's ToUnicode map gives for it. Sorted by x a line reads as
the eye sees it, left to right across the page (the *visual* order): that is what tells the
layout apart. pypdf's ``extract_text`` is checked too: it turns a run of right-to-left letters
drawn right to left back into the order they are stored and read (the *logical* order), which
is what a search or a copy from the PDF finds; the old backwards layout extracted reversed."""

from __future__ import annotations

import importlib.util
import io
import re
import sys
import unicodedata
from datetime import date
from decimal import Decimal
from typing import NamedTuple
from uuid import UUID

import pypdf
import pytest
from fontTools.ttLib import TTFont
from pypdf.generic import ContentStream

from q2c_adapters.documents import Branding, render_html, render_pdf
from q2c_adapters.documents import pdf as pdf_module
from q2c_core import InvalidValue, InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate

HEBREW = "שלום בע״מ"
ARABIC_ADDRESS = "شارع الشيخ زايد 12، دبي"
# an amount quoted in the line's own text, in the middle of right-to-left words
ARABIC_LINE = "استشارات مايو 12,345.67"

HAS_SHAPING = importlib.util.find_spec("uharfbuzz") is not None
needs_shaping = pytest.mark.skipif(
    not HAS_SHAPING,
    reason="uharfbuzz (the adapters extra) is not installed: `make` installs it",
)


class Glyph(NamedTuple):
    x: float
    y: float
    name: str  # the glyph's name in the embedded font
    text: str  # the characters the PDF says it stands for


def _to_unicode(cmap: bytes) -> dict[int, str]:
    chars: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, hexa in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            units = hexa.decode()
            text = "".join(chr(int(units[k : k + 4], 16)) for k in range(0, len(units), 4))
            chars[int(code, 16)] = text
    return chars


def drawn(pdf: bytes) -> list[Glyph]:
    """Every glyph the PDF's pages draw (fpdf2 writes two-byte glyph codes of an embedded
    TrueType subset: CIDToGIDMap gives the glyph, ToUnicode its characters)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    glyphs: list[Glyph] = []
    for number, page in enumerate(reader.pages):
        fonts = {}
        for key, ref in page["/Resources"]["/Font"].items():
            font = ref.get_object()
            cid_font = font["/DescendantFonts"][0].get_object()
            subset = TTFont(io.BytesIO(cid_font["/FontDescriptor"]["/FontFile2"].get_data()))
            gids = cid_font["/CIDToGIDMap"].get_object().get_data()
            fonts[key] = (subset.getGlyphOrder(), gids, _to_unicode(font["/ToUnicode"].get_data()))
        x = y = 0.0
        font_in_use = None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                font_in_use = fonts[operands[0]]
            elif operator in (b"Td", b"Tm"):
                x, y = float(operands[-2]), float(operands[-1])
            elif operator == b"Tj":
                assert font_in_use is not None
                order, gids, chars = font_in_use
                codes = operands[0].original_bytes
                for k in range(0, len(codes), 2):
                    code = int.from_bytes(codes[k : k + 2], "big")
                    gid = int.from_bytes(gids[2 * code : 2 * code + 2], "big")
                    # (pages apart: each page starts 1000 pt lower)
                    glyphs.append(Glyph(x, y - 1000 * number, order[gid], chars.get(code, "")))
    return glyphs


def seen(glyphs: list[Glyph], holding: str) -> list[Glyph]:
    """The glyphs of the printed line holding a glyph for ``holding``, left to right as seen."""
    [y] = {g.y for g in glyphs if holding in g.text} or {None}
    assert y is not None, f"no line draws {holding!r}"
    return sorted((g for g in glyphs if g.y == y), key=lambda g: g.x)


def left_to_right(line: list[Glyph]) -> str:
    return "".join(g.text for g in line)


def right_to_left(line: list[Glyph]) -> str:
    return "".join(g.text for g in reversed(line))


def forms(line: list[Glyph], word: str) -> list[str]:
    """The Unicode names of the glyphs drawing ``word`` (read right to left, a glyph a letter):
    a joined Arabic letter is drawn with its presentation form, ARABIC LETTER ... INITIAL FORM."""
    glyphs = list(reversed(line))
    texts = [g.text for g in glyphs]
    start = next(k for k in range(len(texts)) if "".join(texts[k : k + len(word)]) == word)
    return [unicodedata.name(chr(int(g.name[3:], 16))) for g in glyphs[start : start + len(word)]]


def page_text(pdf: bytes) -> str:
    return " ".join(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())


def issue(app: QuoteToCash, invoice: UUID, on: date) -> None:
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice, issued_on=on, actor="bea")


def invoice_for(
    app: QuoteToCash, name: str, address: str, description: str, price: str = "100"
) -> UUID:
    customer = app.register_customer(
        name, "EUR", account_manager="mia", actor="a", country="IL", address=address
    )
    line = InvoiceLine(
        line_id="L1", description=description, quantity=Decimal(1),
        unit_price=Money.of(price, "EUR"), tax=TaxRate.standard(17),
        source=LineSource(SourceKind.MANUAL, note="agreed"),
    )  # fmt: skip
    invoice = app.draft_invoice(customer, [line], drafted_on=date(2024, 5, 1), actor="b")
    issue(app, invoice, date(2024, 5, 2))
    return invoice


@needs_shaping
def test_a_hebrew_buyer_with_an_arabic_address_and_line_prints_as_it_is_read(
    app: QuoteToCash,
) -> None:
    invoice = invoice_for(app, HEBREW, ARABIC_ADDRESS, ARABIC_LINE, price="12345.67")
    pdf = render_pdf(app, invoice, Branding())
    glyphs = drawn(pdf)

    # every character has its glyph: none drawn as the empty box, none standing for nothing
    assert glyphs and not [g for g in glyphs if g.name == ".notdef" or not g.text]

    # the buyer's name: its first letter, ש, is the rightmost, so it reads right to left
    name = seen(glyphs, "ש")
    assert right_to_left(name) == HEBREW
    assert left_to_right(name) == "מ״עב םולש"  # as seen, left to right across the page

    # the address: the words read right to left, but the house number 12 left to right (read
    # right to left, glyph by glyph, it shows as 21)
    address = seen(glyphs, "ز")
    assert right_to_left(address) == ARABIC_ADDRESS.replace("12", "21")
    assert "12" in left_to_right(address)
    # and the letters are joined: الشيخ is alef, then lam, sheen, yeh and khah joined in one
    assert forms(address, "الشيخ") == [
        "ARABIC LETTER ALEF",  # alef does not join the letter after it
        "ARABIC LETTER LAM INITIAL FORM",
        "ARABIC LETTER SHEEN MEDIAL FORM",
        "ARABIC LETTER YEH MEDIAL FORM",
        "ARABIC LETTER KHAH FINAL FORM",
    ]

    # the line: its text quotes 12,345.67, as the unit price and the amount print it, and each
    # reads left to right, never 76.543,21
    line = seen(glyphs, "ت")
    shown = left_to_right(line)
    assert shown.count("12,345.67") == 3, shown
    assert "76.543,21" not in shown
    assert "مايو" in right_to_left(line) and "استشارات" in right_to_left(line)
    assert line[0].text == "L" and line[-1].text == "R"  # "L1" first, "… EUR" last, as ever

    # the text layer, as pypdf extracts it, holds the letters in the order they are read
    text = page_text(pdf)
    assert HEBREW in text and "מ״עב םולש" not in text
    assert "الشيخ" in text and "مايو" in text
    # (the HTML, which a browser lays out, carries them as ever)
    assert HEBREW in render_html(app, invoice, Branding())


def lines_read(glyphs: list[Glyph]) -> list[str]:
    """Each printed line read right to left, glyph by glyph, from the top of the first page."""
    by_y: dict[float, list[Glyph]] = {}
    for g in glyphs:
        by_y.setdefault(g.y, []).append(g)
    return [right_to_left(sorted(by_y[y], key=lambda g: g.x)) for y in sorted(by_y, reverse=True)]


@needs_shaping
def test_the_fields_once_refused_now_print_wherever_the_text_is(app: QuoteToCash) -> None:
    """The fields the refusal named: a Hebrew address, and the seller's own Hebrew name and
    footer in the branding (the letterhead, right-aligned, and the footer on every page); a
    Hebrew line text long enough to break over rows and pages still reads right to left."""
    phrase = "ייעוץ ותחזוקה למערכת החיוב"  # "billing system consulting and maintenance"
    invoice = invoice_for(app, "Shalom Ltd", "רחוב הרצל 1, תל אביב", " ".join([phrase] * 120))
    footer = "אלפא שירותים בע״מ, ח.פ. 514123456"  # the company's registration number
    pdf = render_pdf(app, invoice, Branding(company_name="אלפא שירותים", footer=footer))
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) >= 2
    glyphs = drawn(pdf)
    assert not [g for g in glyphs if g.name == ".notdef" or not g.text]

    read = lines_read(glyphs)
    assert read[0] == "אלפא שירותים"  # the letterhead, on top of the first page
    assert "רחוב הרצל 1, תל אביב" in read
    # the footer, on every page: its number reads left to right (so backwards, read right to
    # left glyph by glyph)
    assert read.count(footer.replace("514123456", "654321415")) >= 2
    # the long text, wrapped over rows and pages: all its 120 phrases, every word in place
    text = " ".join(line.removesuffix("1L") for line in read if "ייעוץ" in line or "החיוב" in line)
    assert text.count("ייעוץ") == 120 and text.count("החיוב") == 120
    assert text.count(phrase) >= 100  # (the rest broken between two lines)


@needs_shaping
def test_text_the_font_cannot_print_is_still_refused_beside_hebrew(app: QuoteToCash) -> None:
    """Shaping lays out the letters the font has; Japanese it has none of, so a Hebrew buyer's
    Japanese line text is refused as ever, naming the line."""
    invoice = invoice_for(app, HEBREW, "רחוב הרצל 1, תל אביב", "保守サービス")
    with pytest.raises(InvalidValue) as refused:
        render_pdf(app, invoice, Branding())
    assert refused.value.field == "lines[L1].description"
    assert "保" in str(refused.value) and "cannot print" in str(refused.value)


def test_without_uharfbuzz_right_to_left_text_is_refused_never_printed_backwards(
    app: QuoteToCash, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An install without the shaping engine (``import uharfbuzz`` fails) cannot lay Hebrew
    out: the document is refused naming the field, as before shaping, and a Latin one still
    prints."""
    monkeypatch.setitem(sys.modules, "uharfbuzz", None)  # (import fails)
    for name in (HEBREW, "شركة الأمل"):
        invoice = invoice_for(app, name, "Herzl 1, Tel Aviv", "Consulting")
        with pytest.raises(InvalidValue) as refused:
            render_pdf(app, invoice, Branding())
        assert refused.value.field == "customer_name"
        assert refused.value.value == name
        assert "right to left" in str(refused.value) and "uharfbuzz" in str(refused.value)

    line = invoice_for(app, "Amal LLC", "Sheikh Zayed Rd 1, Dubai", "استشارات مايو")
    with pytest.raises(InvalidValue) as refused:
        render_pdf(app, line, Branding())
    assert refused.value.field == "lines[L1].description"

    latin = invoice_for(app, "Shalom Trading Ltd", "Herzl 1, Tel Aviv", "Consulting")
    with pytest.raises(InvalidValue) as refused:
        render_pdf(app, latin, Branding(company_name="אלפא שירותים"))
    assert refused.value.field == "branding.company_name"
    assert "Shalom Trading Ltd" in page_text(render_pdf(app, latin, Branding()))


# The page a Latin invoice printed before shaping came in (pypdf's text, q2c's code of then),
# with the buyer's country (Israel), printed since.
LATIN_PAGE = (
    "Tavern Yard AG Bill to AVATAR Tower Verwaltung GmbH Wolfsburger Allee 7, Berlin Israel "
    "Number INV-000001 Date 2024-05-02 Due date 2024-06-01 Invoice INV-000001 "
    "# Description Qty Unit price Tax Amount "
    "L1 Office fit-out, Tävern & Yard 1 12,345.67 EUR S 17 % 12,345.67 EUR "
    "Net total 12,345.67 EUR Tax S 17 % 2,098.76 EUR Total 14,444.43 EUR "
    "Tax per category Tax category Taxable amount Tax S 17 % 12,345.67 EUR 2,098.76 EUR "
    "Payment Please pay 14,444.43 EUR by 2024-06-01, quoting INV-000001. "
    "Amtsgericht Wolfsburg HRB 7 Tavern Yard AG Page 1 of 1"
)


def test_a_latin_invoice_is_laid_out_exactly_as_before(
    app: QuoteToCash, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No right-to-left text, no shaping: the same text as before, and the same page, glyph for
    glyph, as an install without the shaping engine lays out. Shaping would not be harmless
    here: HarfBuzz kerns "AV", "Ta" and "Wo", so the glyphs would move."""
    invoice = invoice_for(
        app, "AVATAR Tower Verwaltung GmbH", "Wolfsburger Allee 7, Berlin",
        "Office fit-out, Tävern & Yard", price="12345.67",
    )  # fmt: skip
    branding = Branding(company_name="Tavern Yard AG", footer="Amtsgericht Wolfsburg HRB 7")
    pdf = render_pdf(app, invoice, branding)
    assert page_text(pdf) == LATIN_PAGE
    as_laid_out = drawn(pdf)
    assert not [g for g in as_laid_out if g.name == ".notdef"]

    with monkeypatch.context() as without_shaping:
        without_shaping.setitem(sys.modules, "uharfbuzz", None)
        assert drawn(render_pdf(app, invoice, branding)) == as_laid_out

    if HAS_SHAPING:
        # (had the document been shaped anyway, the same text would sit elsewhere)
        monkeypatch.setattr(pdf_module, "_right_to_left", lambda text: ["A"])
        shaped = drawn(render_pdf(app, invoice, branding))
        assert page_text(render_pdf(app, invoice, branding)) == LATIN_PAGE
        assert [g.x for g in shaped] != [g.x for g in as_laid_out]


def test_left_to_right_scripts_and_invisible_direction_marks_still_print(
    app: QuoteToCash,
) -> None:
    """Greek, Cyrillic and a left-to-right mark pasted with a name (U+200E prints nothing) are
    not refused: they read back as written."""
    invoice = invoice_for(app, "Ωmega ΑΕ\u200e", "Москва, ул. Тверская 1", "Wartung für Müller")
    pdf = render_pdf(app, invoice, Branding())
    text = page_text(pdf)
    assert "Ωmega ΑΕ" in text and "Москва, ул. Тверская 1" in text
    assert "Wartung für Müller" in text
