"""Validation of UBL documents against the official PEPPOL BIS Billing 3 artefacts.

Three checks, as the conformance package's README prescribes: the OASIS UBL 2.1 XSD (lxml), then
the EN 16931 and the PEPPOL rules compiled to XSLT 2.0, run with Saxon-HE (``saxonche``). A
document conforms when the schema accepts it and no ``svrl:failed-assert`` has ``flag="fatal"``.
The stylesheets are compiled once per validator; Saxon is slow to compile and quick to run.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import attrs
from lxml import etree

SVRL = "http://purl.oclc.org/dsdl/svrl"
RULE_FILES = ("CEN-EN16931-UBL.xslt", "PEPPOL-EN16931-UBL.xslt")


@attrs.frozen
class Finding:
    """One failed assertion: rule id, flag (fatal / warning) and message."""

    rule: str
    flag: str
    text: str
    location: str


@attrs.frozen
class ValidationResult:
    """Schema errors and rule findings of one document."""

    schema_errors: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def fatal(self) -> list[Finding]:
        """Findings flagged fatal: each one is a rule violation."""
        return [f for f in self.findings if f.flag == "fatal"]

    @property
    def ok(self) -> bool:
        """The schema accepts the document and no rule is fatally violated."""
        return not self.schema_errors and not self.fatal


class PeppolValidator:
    """Validates UBL invoices and credit notes with the XSD and the compiled Schematron rules."""

    def __init__(self, conformance_dir: str | Path) -> None:
        saxonche: Any = importlib.import_module("saxonche")

        root = Path(conformance_dir)
        maindoc = root / "xsd" / "maindoc"
        self._schemas = {
            "Invoice": etree.XMLSchema(etree.parse(str(maindoc / "UBL-Invoice-2.1.xsd"))),
            "CreditNote": etree.XMLSchema(etree.parse(str(maindoc / "UBL-CreditNote-2.1.xsd"))),
        }
        self._processor: Any = saxonche.PySaxonProcessor(license=False)
        compiler = self._processor.new_xslt30_processor()
        self._rules: list[Any] = [
            compiler.compile_stylesheet(stylesheet_file=str(root / "rules" / name))
            for name in RULE_FILES
        ]

    def validate(self, document: bytes) -> ValidationResult:
        """Run the schema and both rule sets on one document."""
        tree = etree.fromstring(document)
        kind = etree.QName(tree).localname
        schema = self._schemas.get(kind)
        if schema is None:
            return ValidationResult((f"not a UBL Invoice or CreditNote: {kind}",), ())
        schema_errors = () if schema.validate(tree) else tuple(str(schema.error_log).splitlines())
        node = self._processor.parse_xml(xml_text=document.decode("utf-8"))
        findings: list[Finding] = []
        for rules in self._rules:
            svrl = etree.fromstring(rules.transform_to_string(xdm_node=node).encode("utf-8"))
            for failed in svrl.iter(f"{{{SVRL}}}failed-assert"):
                text = failed.find(f"{{{SVRL}}}text")
                findings.append(
                    Finding(
                        failed.get("id", ""),
                        failed.get("flag", ""),
                        " ".join((text.text or "").split()) if text is not None else "",
                        failed.get("location", ""),
                    )
                )
        return ValidationResult(schema_errors, tuple(findings))
