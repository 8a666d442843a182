"""The exceptions codeartifact-refresher raises on purpose.

Everything here derives from :class:`Error`. The CLI prints an ``Error`` as one line and exits
with a status; anything else that escapes is a bug and gets a traceback. No message built here
ever contains a token: callers pass names, paths and AWS error codes, never credentials.
"""

import os


class Error(Exception):
    """Root of every expected failure."""


class ConfigError(Error):
    """The config file is missing, unreadable or invalid.

    Rendered as ``FILE:LINE: message`` so that editors and people can jump to the place.
    """

    def __init__(self, message: str, path: str | os.PathLike[str] | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}"


class RegistryError(Error):
    """A writer plugin is missing, duplicated or cannot be loaded."""


class TargetError(Error):
    """One target file could not be read, rendered or written; the file is left as it was."""


class WriterError(TargetError):
    """A writer could not parse the current text of its file."""


class WriterRefusedError(WriterError):
    """The file parses, but something in it would keep the tool from using what we write (a
    foreign override): the writer refuses rather than report a write the tool would ignore."""


class FileBusyError(TargetError):
    """Another writer holds the file's directory, or someone keeps changing the file: try again soon."""

    retryable = True


class UnsafeFileError(TargetError):
    """A target path is a symlink, a directory or otherwise not a file we may replace."""


class AwsError(Error):
    """A CodeArtifact or STS call failed. ``retryable`` says whether trying again may help."""

    retryable = False


class CredentialsError(AwsError):
    """No usable AWS credentials: none found, a missing profile, an expired SSO session."""


class AccessDeniedError(AwsError):
    """The caller is not allowed to make the call."""


class NotFoundError(AwsError):
    """The domain or repository does not exist (or is not visible to the caller)."""


class TransientError(AwsError):
    """Throttling, a server error or a network failure: worth retrying later."""

    retryable = True


class ThrottledError(TransientError):
    """Throttled by AWS, or held back by our own pace: ``retry_after`` seconds (when known) is the
    earliest worth trying again."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
