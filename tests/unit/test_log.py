import io
import logging

from codeartifact_refresher import log


def test_a_message_is_one_line_whatever_text_it_carries():
    stream = io.StringIO()
    log.setup(stream=stream)
    logging.getLogger("codeartifact_refresher.test").error("AWS said: %s", "no\nERROR forged\r\x1b[2K\u2028x")
    assert stream.getvalue() == "ERROR AWS said: no\\nERROR forged\\r\\x1b[2K\\u2028x\n"


def test_a_traceback_keeps_its_lines():
    stream = io.StringIO()
    log.setup(stream=stream)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("codeartifact_refresher.test").exception("failed")
    assert stream.getvalue().startswith("ERROR failed\nTraceback") and "ValueError: boom" in stream.getvalue()


def test_one_line_is_bounded_and_reads_no_more_than_it_keeps():
    assert log.one_line("x" * 10**7) == "x" * (log.MAX_LINE - 3) + "..."
    assert log.one_line("\n" * 10**7, 20) == "\\n" * 8 + "\\..."
    assert log.one_line("short\tline") == "short\\tline"
