"""Documents the buyer edits: the drafted clause text as a DOCX (python-docx).

The document is a few pages of text built from ``clauses.clause_text`` (no database access, no images): it is
generated in milliseconds, so the view builds it in the request rather than through a Celery job.
"""

from io import BytesIO

from docx import Document
from docx.shared import Pt

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def clause_text_docx(text, *, subtitle=""):
    """The DOCX bytes of a ``clause_text.ClauseText``: one heading per document, its paragraphs and lists."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    properties = document.core_properties
    properties.title = text.title
    properties.language = "fr-FR"

    document.add_heading(text.title, level=0)
    if subtitle:
        document.add_paragraph(subtitle)
    document.add_paragraph(f"Forme retenue : {text.form_label}.")
    for section in text.sections:
        document.add_heading(section.title, level=1)
        hint = document.add_paragraph()
        hint.add_run(f"Emplacement : {section.hint}").italic = True
        for paragraph in section.paragraphs:
            document.add_paragraph(paragraph.text)
            for item in paragraph.items:
                document.add_paragraph(item, style="List Bullet")
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
