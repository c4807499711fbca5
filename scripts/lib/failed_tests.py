"""Names each failed test of a results directory (its .trx files and Pester's pester.xml) with the first lines of its
failure message, so that a log keeping only its tail still says which test failed and why.
Usage: python3 failed_tests.py <results-directory>"""
import pathlib
import sys
import textwrap
import xml.etree.ElementTree as ET

TRX = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
MESSAGE_LINES = 6


def excerpt(message):
    lines = [line.rstrip() for line in textwrap.dedent(message or "").splitlines() if line.strip()]
    shown = lines[:MESSAGE_LINES]
    if len(lines) > MESSAGE_LINES:
        shown.append(f"... ({len(lines) - MESSAGE_LINES} more lines)")
    return "".join(f"\n    {line}" for line in shown)


def failures(directory):
    for trx in sorted(directory.glob("*.trx")):
        try:
            root = ET.parse(trx).getroot()
        except ET.ParseError:
            continue  # a runner that crashed mid-write: the summary names the file
        for result in root.iter(f"{TRX}UnitTestResult"):
            if result.get("outcome") == "Failed":
                yield f"{result.get('testName')} ({trx.name})", result.findtext(f"{TRX}Output/{TRX}ErrorInfo/{TRX}Message")
    pester = directory / "pester.xml"
    if pester.is_file():
        for case in ET.parse(pester).getroot().iter("test-case"):
            if case.get("result") == "Failed":
                yield f"{case.get('fullname')} (Pester)", case.findtext("failure/message")


for name, message in failures(pathlib.Path(sys.argv[1])):
    print(f"FAILED: {name}{excerpt(message)}")
