// Package policy owns the model scanner's verdict on Python imports found in
// serialized artifacts (pickle GLOBAL/STACK_GLOBAL targets, TorchScript
// imports): a denylist of callables that run code, touch files, processes or
// the network (critical), an allowlist of what real checkpoints use, and the
// wrappers (functools.partial and kin) whose first argument is called later.
// Both lists are data: the built-in lists are embedded YAML (default.yaml),
// and users extend them with files in the same format.
package policy
