"""The one error type bad scenario input raises."""


class ScenarioError(Exception):
    """Every problem found in one scenario file, one line each: `file: key: problem`."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))

    def __reduce__(self):  # raised in a worker process, it must arrive as the same lines
        return (type(self), (self.messages,))
