"""A tenant's own work waits for marketplace jobs on its opted-in servers to finish."""


class NoPreempt:
    name = "no-preempt"
    active = False

    def __init__(self, context):
        self.context = context

    def reclaim(self, s) -> bool:
        return False
