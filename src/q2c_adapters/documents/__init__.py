"""Branded invoice and credit-note documents: HTML (Jinja2, overridable) and PDF (fpdf2)."""

from q2c_adapters.documents.branding import Branding
from q2c_adapters.documents.html import HtmlInvoiceRenderer, render_html, template_environment
from q2c_adapters.documents.model import InvoiceDocument, build_document, line_text
from q2c_adapters.documents.pdf import PdfInvoiceRenderer, render_document_pdf, render_pdf

__all__ = [
    "Branding",
    "HtmlInvoiceRenderer",
    "InvoiceDocument",
    "PdfInvoiceRenderer",
    "build_document",
    "line_text",
    "render_document_pdf",
    "render_html",
    "render_pdf",
    "template_environment",
]
