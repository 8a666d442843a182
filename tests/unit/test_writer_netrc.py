"""The netrc writer: the contract, read back with Python's netrc module as requests reads it."""

from codeartifact_refresher.testing.writer_contract import TOKEN_1, WriterContract
from codeartifact_refresher.writers import base
from codeartifact_refresher.writers.formats import netrc
from codeartifact_refresher.writers.netrc import Writer

from ..strategies import netrc_files
from .test_format_netrc import FOREIGN, python_reads

CORRUPT = (
    "machine a login b\nbogus\n",
    "macdef init\ncd /\n",
    "machine a login b password c\n\n# words of a comment\n",
    "\x00\x01",
)


class NetrcRoleContract(WriterContract):
    """The contract for a file of netrc role: it holds the host, not the endpoint."""

    foreign = FOREIGN
    corrupt = CORRUPT

    def foreign_texts(self):
        return netrc_files(forbidden_hosts=(netrc.machine_name(self.creds().endpoint),))

    def read_back(self, text):
        host = netrc.machine_name(self.creds().endpoint)
        login, _, password = python_reads(text)[0][host]
        assert login == "aws"
        return host, password

    def expected(self, token=TOKEN_1):
        return netrc.machine_name(self.creds().endpoint), token


class TestNetrcWriter(NetrcRoleContract):
    def make_writer(self):
        return Writer()


def test_the_entry_is_a_shared_claim_of_the_main_file():
    assert Writer().all_claims() == [base.Claim(netrc.MACHINE_CLAIM, base.MAIN, shared=True)]


def test_default_path_honours_netrc_as_requests_and_uv_do():
    assert str(Writer().default_path({"HOME": "/h", "NETRC": "/etc/x/netrc"})) == "/etc/x/netrc"
    assert str(Writer().default_path({"HOME": "/h"})) == "/h/.netrc"
