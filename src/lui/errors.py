"""The one exception the CLI turns into a short, plain refusal."""


class LuiError(Exception):
    """A problem with the user's input or environment, reported without a traceback.

    The message says what is wrong and, where it can, what to do about it.
    """

    exit_code = 2
