"""GRU and LSTM on PyTorch's own recurrent kernels, masks included.

On the PyTorch backend Keras hands an unmasked GRU or LSTM to PyTorch's
fused kernel only on CUDA, and any mask (which every padded batch carries)
sends it to a step-by-step Python loop: on CPU 10 to 16 ms for one 60-step
row, and on a GPU 40x slower than cuDNN (issue 13). PyTorch itself runs
padded batches through ``pack_padded_sequence``, with one C++ (or cuDNN)
loop on every device. :func:`native_inner_loop` does that for a Keras layer:

- a mask that is all true is dropped;
- a right-padded mask (each row real up to its length, padding after; what
  ``TextTokenizer`` and ``SequencePadder`` produce by default) becomes
  per-row lengths and a packed sequence;
- ``go_backwards`` reverses each row within its length, which is what
  Keras' masked loop computes when it walks the flipped, masked row.

The outputs are laid out as Keras' masked loop lays them out (held or zero
outputs under the mask, reversed order for ``go_backwards``), so a model
gives the same predictions, to float rounding, on either path. Anything
else (pre-padding, holes in the mask, a row with no real step, recurrent
dropout, non-default activations, ``unroll``, ``use_cudnn=False``) returns
None and Keras' own loop runs.
"""

import warnings

from sklearn_rnn._backend import keras

# What cuDNN prints (a UserWarning, at every call) when an RNN's weights are
# not views of one flat buffer; see :func:`_call_kernel`.
_CUDNN_COMPACTION = "RNN module weights are not part of single contiguous chunk of memory"


def native_inner_loop(layer, sequences, initial_state, mask, training):
    """``(last_output, outputs, states)`` as Keras' ``inner_loop``, or None.

    Parameters
    ----------
    layer : keras.layers.GRU or keras.layers.LSTM
        The layer whose weights and options are used.
    sequences : torch.Tensor of shape (batch, timesteps, features)
    initial_state : list of torch.Tensor
        ``[h]`` for a GRU, ``[h, c]`` for an LSTM.
    mask : torch.Tensor of shape (batch, timesteps) or None
    training : bool
    """
    import torch

    kind = _kind(layer)
    if kind is None or not hasattr(torch, "_VF"):
        return None
    if isinstance(mask, (list, tuple)):
        mask = mask[0]
    n_steps = sequences.shape[1]
    lengths = None
    if mask is not None:
        mask = mask.to(torch.bool)
        lengths = mask.sum(dim=1)
        steps = torch.arange(n_steps, device=mask.device)
        right_padded = torch.equal(mask, steps[None, :] < lengths[:, None])
        if not right_padded or bool((lengths == 0).any()):
            return None
        if bool((lengths == n_steps).all()):
            lengths = None

    weights = _torch_weights(layer, kind)
    x = sequences.to(weights[0].dtype)
    if training and layer.dropout:
        keep = layer.cell.get_dropout_mask(sequences[:, 0, :])
        x = x * keep[:, None, :]
    if layer.go_backwards:
        x = _reverse_rows(x, lengths)

    states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
    states = [s.to(x.dtype)[None] for s in states]  # (1, batch, units): one layer
    hx = states[0] if kind == "gru" else tuple(states)
    kernel = torch._VF.gru if kind == "gru" else torch._VF.lstm
    args = (weights, True, 1, 0.0, torch.is_grad_enabled(), False)
    if lengths is None:
        result = _call_kernel(kernel, x, hx, *args, True)  # batch_first
        outputs, final = result[0], [s[0] for s in result[1:]]
    else:
        outputs, final = _packed(kernel, x, hx, lengths, args)

    last = final[0]
    if layer.zero_output_for_mask and lengths is not None and not layer.go_backwards:
        # Keras zeroes the last output of a row whose last step is masked
        last = torch.where((lengths == n_steps)[:, None], last, torch.zeros_like(last))
    if layer.return_sequences:
        outputs = _keras_layout(outputs, final[0], lengths, layer)
    else:
        outputs = last[:, None, :]
    return last, outputs, final


def _kind(layer):
    """"gru" or "lstm" when PyTorch's kernel computes what the layer computes."""
    if not isinstance(layer, (keras.layers.GRU, keras.layers.LSTM)):
        return None  # SimpleRNN: no recurrent_activation, and no PyTorch kernel here
    cell = layer.cell
    tanh, sigmoid = keras.activations.tanh, keras.activations.sigmoid
    ok = (
        cell.activation is tanh
        and cell.recurrent_activation is sigmoid
        and cell.use_bias
        and not layer.unroll
        and not cell.recurrent_dropout
        and getattr(layer, "use_cudnn", "auto") in ("auto", True)
    )
    if not ok:
        return None
    if isinstance(layer, keras.layers.GRU):
        return "gru" if cell.reset_after else None
    if isinstance(layer, keras.layers.LSTM):
        return "lstm"
    return None


def _torch_weights(layer, kind):
    """``[weight_ih, weight_hh, bias_ih, bias_hh]`` in PyTorch's layout.

    Keras keeps ``(inputs, gates * units)`` kernels; PyTorch wants them
    transposed. GRU gates are ``z, r, h`` in Keras and ``r, z, n`` in PyTorch,
    with the input and recurrent biases in the two rows of Keras' bias; LSTM
    gates are ``i, f, c, o`` in both, with one bias in Keras (PyTorch's
    recurrent bias is then zero). Built from the variables at each call, so
    gradients reach the Keras weights.
    """
    import torch

    cell = layer.cell
    kernel = keras.ops.convert_to_tensor(cell.kernel)
    recurrent = keras.ops.convert_to_tensor(cell.recurrent_kernel)
    bias = keras.ops.convert_to_tensor(cell.bias)
    if kind == "lstm":
        return [kernel.T.contiguous(), recurrent.T.contiguous(), bias, torch.zeros_like(bias)]

    def reorder(matrix):  # columns z, r, h -> r, z, h
        z, r, h = torch.chunk(matrix, 3, dim=-1)
        return torch.cat([r, z, h], dim=-1)

    return [
        reorder(kernel).T.contiguous(),
        reorder(recurrent).T.contiguous(),
        reorder(bias[0]).contiguous(),
        reorder(bias[1]).contiguous(),
    ]


def _call_kernel(kernel, *args):
    """``kernel(*args)`` without cuDNN's weight-compaction warning.

    On CUDA, cuDNN expects an ``nn.GRU``'s or ``nn.LSTM``'s weights to be
    views of one flat buffer; when they are not it copies them into one and
    warns at every call, suggesting ``flatten_parameters()``. That advice is
    for a module that keeps its weights between calls. Here the weights are
    rebuilt from the Keras variables at every call (transposed, GRU gates
    reordered), so one copy per call is inherent and the warning would
    repeat once per batch of every GPU fit. Only that message is silenced,
    only for this call; every other warning passes through.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_CUDNN_COMPACTION, category=UserWarning)
        return kernel(*args)


def _reverse_rows(x, lengths):
    """Each row reversed within its real steps; padding stays at the end."""
    import torch

    n_steps = x.shape[1]
    if lengths is None:
        return torch.flip(x, dims=[1])
    steps = torch.arange(n_steps, device=x.device)[None, :]
    index = torch.where(steps < lengths[:, None], lengths[:, None] - 1 - steps, steps)
    return torch.gather(x, 1, index[:, :, None].expand(-1, -1, x.shape[2]))


def _packed(kernel, x, hx, lengths, args):
    """Run ``kernel`` on a packed batch; padded outputs and per-row final states."""
    import torch
    from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

    packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    order, unorder = packed.sorted_indices, packed.unsorted_indices
    if isinstance(hx, tuple):
        hx = tuple(h.index_select(1, order) for h in hx)
    else:
        hx = hx.index_select(1, order)
    result = _call_kernel(kernel, packed.data, packed.batch_sizes, hx, *args)
    out = PackedSequence(result[0], packed.batch_sizes, order, unorder)
    outputs, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
    final = [s[0].index_select(0, unorder) for s in result[1:]]
    return outputs, final


def _keras_layout(outputs, final_h, lengths, layer):
    """Per-step outputs placed as Keras' masked loop places them.

    Forward: real steps in place; under the mask the last real output is
    held (zeros with ``zero_output_for_mask``). ``go_backwards``: Keras walks
    the flipped row, whose padding comes first and holds the zero initial
    output, so each row's reversed outputs end at the last position.
    """
    import torch

    if lengths is None:
        return outputs
    n_steps = outputs.shape[1]
    steps = torch.arange(n_steps, device=outputs.device)[None, :]
    if layer.go_backwards:
        shift = n_steps - lengths[:, None]
        index = (steps - shift).clamp(min=0)
        moved = torch.gather(outputs, 1, index[:, :, None].expand(-1, -1, outputs.shape[2]))
        return torch.where((steps >= shift)[:, :, None], moved, torch.zeros_like(moved))
    real = (steps < lengths[:, None])[:, :, None]
    held = torch.zeros_like(outputs) if layer.zero_output_for_mask else final_h[:, None, :]
    return torch.where(real, outputs, held)
