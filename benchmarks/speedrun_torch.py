"""The CIFAR-10 speedrun recipe (airbench94) trained by PyTorch on the CPU: the accuracy reference.

``layerwise experiment cifar10_speedrun`` trains the recipe in NumPy; this
script trains it in PyTorch on the same data (``$LAYERWISE_DATA``), so that the
two accuracies can be compared on the same images and cores.  It follows the
published recipe, not layerwise's translation of it: inputs normalized per
channel, exact-erf GELU, coupled weight decay through the momentum
(``torch.optim.SGD(nesterov=True)``), the learning rate applied to the momentum
buffer at each step, a Lookahead that averages the whole state dict.

    python benchmarks/speedrun_torch.py [--seed 0] [--epochs 9.9] [--threads 2]

It prints per-epoch progress and the final test accuracy without, with
mirror and with mirror + translate test-time augmentation, and the wall time.
"""

from __future__ import annotations

import argparse
import copy
import math
import time

import numpy as np

from layerwise.data import load_CIFAR10

HYP = dict(lr=11.5, momentum=0.85, weight_decay=0.0153, bias_lr_mult=64.0, label_smoothing=0.2,
           whiten_bias_epochs=3, batch_size=1024, translate=2, widths=(64, 256, 256), bn_momentum=0.6,
           output_scale=1 / 9, schedule=(0.2, 0.23, 0.07), lookahead_every=5)
MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)


def build(torch, widths, bn_momentum):
    nn = torch.nn

    def conv(c_in, c_out):
        layer = nn.Conv2d(c_in, c_out, 3, padding="same", bias=False)
        with torch.no_grad():
            nn.init.dirac_(layer.weight[:c_in])          # identity on the first c_in output channels
        return layer

    def norm(c):
        layer = nn.BatchNorm2d(c, eps=1e-12, momentum=1 - bn_momentum)
        layer.weight.requires_grad = False                # a bias only
        return layer

    blocks, c_in = [], 24
    for width in widths:
        blocks += [conv(c_in, width), nn.MaxPool2d(2), norm(width), nn.GELU(),
                   conv(width, width), norm(width), nn.GELU()]
        c_in = width
    return nn.Sequential(nn.Conv2d(3, 24, 2, bias=True), nn.GELU(), *blocks, nn.MaxPool2d(3), nn.Flatten(),
                         nn.Linear(widths[-1], 10, bias=False))


def whiten_(torch, layer, images, eps=5e-4):
    """Whitening filters from the (uncentered) covariance of the images' 2x2 patches, and their negatives."""
    c, h, w = images.shape[1], *layer.weight.shape[2:]
    patches = images.unfold(2, h, 1).unfold(3, w, 1).transpose(1, 3).reshape(-1, c * h * w).double()
    values, vectors = torch.linalg.eigh(patches.T @ patches / len(patches))
    filters = (vectors.T / torch.sqrt(values + eps)[:, None]).reshape(-1, c, h, w).flip(0)
    with torch.no_grad():
        layer.weight.copy_(torch.cat((filters, -filters)).float())
        layer.weight.requires_grad = False


def triangle(steps, start, peak, end):
    top = int(peak * steps)
    return np.interp(np.arange(steps + 1), [0, top, steps], [start, 1.0, end])


def scores(torch, model, X, scale, level):
    """Test scores with no TTA (level 0), mirror (1) or mirror + translate by 1 pixel (2)."""
    F = torch.nn.functional
    out = []
    with torch.no_grad():
        for i in range(0, len(X), 500):
            x = X[i:i + 500]
            mirror = lambda v: 0.5 * (model(v) + model(v.flip(-1)))          # noqa: E731
            if level == 0:
                s = model(x)
            elif level == 1:
                s = mirror(x)
            else:
                padded = F.pad(x, (1,) * 4, mode="reflect")
                shifted = 0.5 * (mirror(padded[:, :, :32, :32]) + mirror(padded[:, :, 2:, 2:]))
                s = 0.5 * (mirror(x) + shifted)
            out.append(s * scale)
    return torch.cat(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=float, default=9.9)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    import torch
    F = torch.nn.functional
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    generator = np.random.default_rng(args.seed)
    started = time.perf_counter()

    Xtr, ytr, Xte, yte = load_CIFAR10(dtype=np.float32)
    mean, std = torch.tensor(MEAN).view(1, 3, 1, 1), torch.tensor(STD).view(1, 3, 1, 1)
    to_tensor = lambda X: (torch.from_numpy(X).permute(0, 3, 1, 2) / 255 - mean) / std   # noqa: E731
    Xtr, Xte = to_tensor(Xtr).contiguous(), to_tensor(Xte).contiguous()
    ytr, yte = torch.from_numpy(ytr), torch.from_numpy(yte)

    hyp = HYP
    model = build(torch, hyp["widths"], hyp["bn_momentum"])
    whiten_(torch, model[0], Xtr[:5000])
    batch = hyp["batch_size"]
    steps_per_epoch = len(Xtr) // batch
    total = math.ceil(args.epochs * steps_per_epoch)
    mu = hyp["momentum"]
    kilostep = 1024 * (1 + 1 / (1 - mu))
    lr, wd = hyp["lr"] / kilostep, hyp["weight_decay"] * batch / kilostep
    lr_bias = lr * hyp["bias_lr_mult"]
    norm_biases = [m.bias for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    others = [p for p in model.parameters() if p.requires_grad and not any(p is b for b in norm_biases)]
    optimizer = torch.optim.SGD([dict(params=norm_biases, lr=lr_bias, weight_decay=wd / lr_bias),
                                 dict(params=others, lr=lr, weight_decay=wd / lr)], momentum=mu, nesterov=True)
    schedule = triangle(total, *hyp["schedule"])
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda i: schedule[i])
    alphas = 0.95 ** 5 * (np.arange(total + 1) / total) ** 3
    slow = copy.deepcopy(model.state_dict())

    def lookahead(decay):
        for (key, s), v in zip(slow.items(), model.state_dict().values()):
            if v.dtype.is_floating_point:
                s.lerp_(v, 1 - decay)
                v.copy_(s)

    pad = hyp["translate"]
    padded = F.pad(Xtr, (pad,) * 4, mode="reflect")
    flipped = torch.from_numpy(generator.random(len(Xtr)) < 0.5)      # the images the even epochs mirror
    step, epoch = 0, 0
    print(f"PyTorch {torch.__version__}, {args.threads} threads: {total} steps of {batch}", flush=True)
    while step < total:
        model[0].bias.requires_grad = epoch < hyp["whiten_bias_epochs"]
        model.train()
        order = torch.from_numpy(generator.permutation(len(Xtr)))
        for b in range(steps_per_epoch):
            if step >= total:
                break
            idx = order[b * batch:(b + 1) * batch]
            dy, dx = (torch.from_numpy(generator.integers(0, 2 * pad + 1, (2, len(idx)))))
            x = torch.stack([padded[i, :, u:u + 32, v:v + 32] for i, u, v in zip(idx.tolist(), dy.tolist(),
                                                                                 dx.tolist())])
            mirror = flipped[idx] ^ bool(epoch % 2)
            x[mirror] = x[mirror].flip(-1)
            loss = F.cross_entropy(model(x) * hyp["output_scale"], ytr[idx],
                                   label_smoothing=hyp["label_smoothing"], reduction="sum")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            step += 1
            if step % hyp["lookahead_every"] == 0:
                lookahead(alphas[step])
        model.eval()
        sample = scores(torch, model, Xte[:1000], hyp["output_scale"], 0).argmax(1)
        print(f"epoch {epoch + 1:2d}  step {step:4d}  loss {loss.item() / batch:.4f}  "
              f"test acc (1,000) {(sample == yte[:1000]).float().mean():.4f}  "
              f"{time.perf_counter() - started:7.0f} s", flush=True)
        epoch += 1
    lookahead(1.0)
    model.eval()
    accs = [(scores(torch, model, Xte, hyp["output_scale"], level).argmax(1) == yte).float().mean().item()
            for level in range(3)]
    print(f"seed {args.seed}: test {accs[0]:.4f}, mirror {accs[1]:.4f}, mirror + translate {accs[2]:.4f}; "
          f"{time.perf_counter() - started:.0f} s in all", flush=True)


if __name__ == "__main__":
    main()
