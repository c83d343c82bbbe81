"""A document as a PDF, drawn with fpdf2 (pure Python, maintained, no system library to install,
unlike WeasyPrint; lighter than ReportLab for one page of text and a table).

Drawn from the document's snapshot, like its page: the same words, the same figures. The core
PDF fonts need no font file; they write Windows-1252, which holds French letters and "€" (the
narrow spaces Babel puts in amounts are written as plain spaces).
"""

from __future__ import annotations

from flask_babel import gettext as _
from fpdf import FPDF

from conciergerie.i18n import money
from conciergerie.invoices.render import document_title, issued_on
from conciergerie.models import Document

# Column widths of the lines' table, in mm (an A4 page is 210 wide, 20 mm margins).
WIDTHS = (95, 20, 27, 28)


def _text(value: object) -> str:
    """Text the core fonts can write: unusual spaces made plain, any other stray sign a "?"."""
    text = str(value).replace("\u202f", " ").replace("\u00a0", " ")
    return text.encode("cp1252", errors="replace").decode("cp1252")


class _Page(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.core_fonts_encoding = "windows-1252"
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(True, margin=20)
        self.add_page()

    def line_of(self, text: object, *, size: int = 10, bold: bool = False, height: int = 5):
        self.set_font("Helvetica", "B" if bold else "", size)
        self.multi_cell(0, height, _text(text), new_x="LMARGIN", new_y="NEXT")


def _heads(pdf: _Page, document: Document) -> None:
    content = document.content
    issuer, customer = content["issuer"], content["customer"]
    pdf.line_of(issuer["name"], bold=True, size=12)
    pdf.line_of(issuer["address"])
    if issuer.get("siret"):
        pdf.line_of(_("SIRET : %(siret)s", siret=issuer["siret"]))
    pdf.ln(6)
    pdf.line_of(f"{_('Client :')} {customer['name']}", bold=True)
    for key in ("company", "address"):
        if customer.get(key):
            pdf.line_of(customer[key])
    if customer.get("siret"):
        pdf.line_of(_("SIRET : %(siret)s", siret=customer["siret"]))
    pdf.ln(6)
    pdf.line_of(
        f"{document_title(document.kind)} {_('n°')} {document.number}", bold=True, size=16, height=8
    )
    pdf.line_of(f"{_('Date : %(day)s', day=issued_on(document))} — {content['reference']}")
    pdf.ln(4)


def _table(pdf: _Page, document: Document) -> None:
    """The lines (a long label wraps within its cell), then the totals under the amounts."""
    heads = (_("Désignation"), _("Quantité"), _("Prix unitaire"), _("Montant"))
    pdf.set_font("Helvetica", "", 10)
    with pdf.table(
        col_widths=WIDTHS,
        text_align=("LEFT", "CENTER", "RIGHT", "RIGHT"),
        borders_layout="HORIZONTAL_LINES",
        line_height=6,
        width=sum(WIDTHS),
    ) as table:
        table.row([_text(head) for head in heads])
        for line in document.content["lines"]:
            label = f"{line['label']} ({line['unit']})" if line.get("unit") else line["label"]
            table.row(
                [
                    _text(label),
                    _text(line["quantity"]),
                    _text(money(line["unit_price_cents"])),
                    _text(money(line["amount_cents"])),
                ]
            )
    pdf.ln(2)
    for total in document.content["totals"]:
        pdf.set_font("Helvetica", "B" if total.get("main") else "", 10)
        pdf.cell(sum(WIDTHS[:3]), 6, _text(total["label"]), align="R")
        pdf.cell(WIDTHS[3], 6, _text(money(total["amount_cents"])), align="R")
        pdf.ln()


def document_pdf(document: Document) -> bytes:
    """The document as the bytes of a one-page A4 PDF (its title: the document's number)."""
    pdf = _Page()
    pdf.set_title(document.number)
    pdf.set_author(_text(document.content["issuer"]["name"]))
    pdf.set_creation_date(document.issued_at)
    _heads(pdf, document)
    _table(pdf, document)
    pdf.ln(6)
    for note in document.content["notes"]:
        pdf.line_of(note)
    pdf.ln(2)
    pdf.line_of(document.content["vat_mention"], bold=True)
    return bytes(pdf.output())
