"""The lifecycle of everything that follows a workflow (cases, consents, handovers, matches).

- `subject`: `WorkflowSubject`, the model side: state in one column, stored by value, that
  only a transition writes, and the version that makes a concurrent change fail.
- `firing`: `apply`, the one place where a trigger is fired, the state written and the
  transition appended to the audit log; what a user may fire now (`triggers_for`); the
  refusals in the user's language; `transition_errors`, around a request that fires.
- `schemas`: the input schema of a transition request, shared by every feature's API.

The workflows themselves (states, triggers, guards) are plain Python in `workflows/`.
"""
