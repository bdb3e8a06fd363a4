"""The one error type bad scenario input raises."""


class ScenarioError(Exception):
    """Every problem found in one scenario file, one line each: `file: key: problem`."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))
