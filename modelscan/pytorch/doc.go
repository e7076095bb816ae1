// Package pytorch scans PyTorch checkpoints without loading them: zip
// checkpoints written by torch.save (data.pkl and any other pickle member
// analysed, tensor data under data/ skipped, never read), TorchScript
// archives (code/ Python source checked for imports, builtins and operator
// namespaces TorchScript does not need, constants.pkl analysed), the legacy
// back-to-back pickle format of torch < 1.6, and the older tar format.
package pytorch
