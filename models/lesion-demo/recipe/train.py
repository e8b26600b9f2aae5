#!/usr/bin/python3
"""Trains Clarion's DEMONSTRATION imaging model on synthetic images and exports it to ONNX.

NOT FOR CLINICAL USE. No validated imaging weights can be obtained in the build environment, so
this recipe makes its own data: 64 x 64 single-channel "radiographs" of textured background
(smoothed noise, a slow intensity gradient) of which half carry a simulated lesion (a small
bright Gaussian blob). The model learns "is there a blob" on these images, nothing else.

Deterministic: fixed seeds, single-threaded torch, no download. Needs Debian's python3-torch and
python3-onnx (apt-get install python3-torch python3-onnx) and writes, beside this folder:

  lesion-demo.onnx          the network (input "image" [N,1,64,64] float32 after preprocessing,
                            output "probability" [N,1])
  heldout/images.u16.gz     the first 128 held-out images as 12-bit DICOM-like pixel values
                            (uint16 little endian, row-major, 64*64 per image), gzip
  heldout/labels.csv        index,label,row,col,radius (the lesion's centre and radius; -1 if none)
  heldout/reference.json    torch's probabilities for those 128 images (the served artifact must
                            reproduce them) and the held-out AUC over all 1,000 held-out images
  training-report.json      sizes, seeds, epochs, losses, validation and held-out AUC

Run from the repository root:  /usr/bin/python3 models/lesion-demo/recipe/train.py
then copy the printed sha256 into models/lesion-demo/image-model.json.
"""
import gzip
import hashlib
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

SEED = 20261206
SIZE = 64
MAX_PIXEL = 4095  # 12 bits stored
N_TRAIN, N_VALID, N_HELDOUT = 4000, 1000, 1000
N_SHIPPED = 128
EPOCHS = 15

HERE = os.path.dirname(os.path.abspath(__file__))
FOLDER = os.path.dirname(HERE)


def smooth_noise(rng, sigma):
    """White noise low-pass filtered in the Fourier domain (a Gaussian of width sigma pixels)."""
    white = rng.standard_normal((SIZE, SIZE))
    f = np.fft.fftfreq(SIZE)
    fx, fy = np.meshgrid(f, f)
    kernel = np.exp(-2 * (np.pi * sigma) ** 2 * (fx ** 2 + fy ** 2))
    out = np.real(np.fft.ifft2(np.fft.fft2(white) * kernel))
    return out / (out.std() + 1e-9)


def image(rng):
    """One synthetic image in [0, 1] and its lesion (row, col, radius) or None."""
    base = 0.40 + 0.05 * rng.standard_normal()
    gy, gx = np.mgrid[0:SIZE, 0:SIZE] / (SIZE - 1)
    angle = rng.uniform(0, 2 * np.pi)
    gradient = 0.10 * (np.cos(angle) * gx + np.sin(angle) * gy - 0.5)
    texture = 0.04 * smooth_noise(rng, 3.0) + 0.02 * smooth_noise(rng, 1.0)
    img = base + gradient + texture
    lesion = None
    if rng.random() < 0.5:
        r = rng.uniform(2.5, 4.5)
        cy, cx = rng.uniform(8, SIZE - 8, size=2)
        amp = rng.uniform(0.12, 0.30)
        img = img + amp * np.exp(-((gy * (SIZE - 1) - cy) ** 2 + (gx * (SIZE - 1) - cx) ** 2) / (2 * r * r))
        lesion = (float(cy), float(cx), float(r))
    img = img + 0.01 * rng.standard_normal((SIZE, SIZE))  # acquisition noise
    return np.clip(img, 0.0, 1.0), lesion


def stored(img):
    """As a 12-bit detector would store it."""
    return np.rint(img * MAX_PIXEL).astype(np.uint16)


def dataset(rng, n):
    pixels = np.zeros((n, SIZE, SIZE), dtype=np.uint16)
    labels = np.zeros(n, dtype=np.float32)
    lesions = []
    for i in range(n):
        img, lesion = image(rng)
        pixels[i] = stored(img)
        labels[i] = 1.0 if lesion else 0.0
        lesions.append(lesion)
    return pixels, labels, lesions


def preprocess(pixels, mean, std):
    """models/lesion-demo/preprocessing.json: linear VOI window (centre 2048, width 4096, DICOM
    PS3.3 C.11.2.1.2) to [0, 1], then (x - mean) / std. Images are already 64 x 64."""
    c, w = 2048.0, 4096.0
    x = np.clip((pixels.astype(np.float64) - (c - 0.5)) / (w - 1) + 0.5, 0.0, 1.0)
    return ((x - mean) / std).astype(np.float32)[:, None, :, :]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
        )
        self.head = nn.Linear(32, 1)

    def forward(self, x):
        h = self.features(x)
        h = torch.amax(h, dim=(2, 3))  # global max pool: a lesion anywhere counts
        return torch.sigmoid(self.head(h))


def auc(scores, labels):
    """Mann-Whitney AUC, ties counted half."""
    pos = scores[labels == 1]
    neg = scores[labels == 0]
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    rng = np.random.default_rng(SEED)
    print("Generating %d training, %d validation, %d held-out images ..." % (N_TRAIN, N_VALID, N_HELDOUT))
    train_px, train_y, _ = dataset(rng, N_TRAIN)
    valid_px, valid_y, _ = dataset(rng, N_VALID)
    held_px, held_y, held_lesions = dataset(rng, N_HELDOUT)
    raw = np.clip((train_px.astype(np.float64) - 2047.5) / 4095 + 0.5, 0, 1)
    mean, std = float(raw.mean()), float(raw.std())
    xt = torch.from_numpy(preprocess(train_px, mean, std))
    yt = torch.from_numpy(train_y)[:, None]
    xv = torch.from_numpy(preprocess(valid_px, mean, std))
    xh = torch.from_numpy(preprocess(held_px, mean, std))

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    loss_fn = nn.BCELoss()
    losses = []
    order_rng = np.random.default_rng(SEED + 1)
    for epoch in range(EPOCHS):
        net.train()
        order = order_rng.permutation(N_TRAIN)
        total = 0.0
        for b in range(0, N_TRAIN, 64):
            idx = torch.from_numpy(order[b:b + 64])
            opt.zero_grad()
            loss = loss_fn(net(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += float(loss) * len(idx)
        net.eval()
        with torch.no_grad():
            v = auc(net(xv).numpy()[:, 0], valid_y)
        losses.append(round(total / N_TRAIN, 5))
        print("epoch %2d: training loss %.4f, validation AUC %.4f" % (epoch + 1, total / N_TRAIN, v), flush=True)

    net.eval()
    with torch.no_grad():
        valid_auc = auc(net(xv).numpy()[:, 0], valid_y)
        held_scores = net(xh).numpy()[:, 0]
    held_auc = auc(held_scores, held_y)
    print("held-out AUC (%d images): %.4f" % (N_HELDOUT, held_auc))

    onnx_path = os.path.join(FOLDER, "lesion-demo.onnx")
    torch.onnx.export(
        net, xh[:1], onnx_path, input_names=["image"], output_names=["probability"],
        dynamic_axes={"image": {0: "n"}, "probability": {0: "n"}}, opset_version=13,
        do_constant_folding=True)
    import onnx
    onnx.checker.check_model(onnx.load(onnx_path))
    sha = hashlib.sha256(open(onnx_path, "rb").read()).hexdigest()

    out = os.path.join(FOLDER, "heldout")
    os.makedirs(out, exist_ok=True)
    # mtime=0: the same bytes on every run
    with open(os.path.join(out, "images.u16.gz"), "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0) as gz:
            gz.write(held_px[:N_SHIPPED].astype("<u2").tobytes())
    with open(os.path.join(out, "labels.csv"), "w") as f:
        f.write("index,label,row,col,radius\n")
        for i in range(N_SHIPPED):
            les = held_lesions[i]
            f.write("%d,%d,%s\n" % (i, int(held_y[i]), "%.3f,%.3f,%.3f" % les if les else "-1,-1,-1"))
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump({
            "images": N_SHIPPED,
            "probabilities": [round(float(p), 7) for p in held_scores[:N_SHIPPED]],
            "shippedAuc": round(auc(held_scores[:N_SHIPPED], held_y[:N_SHIPPED]), 4),
            "heldoutAuc": round(held_auc, 4),
            "heldoutImages": N_HELDOUT,
        }, f, indent=1)
        f.write("\n")
    with open(os.path.join(FOLDER, "training-report.json"), "w") as f:
        json.dump({
            "recipe": "models/lesion-demo/recipe/train.py",
            "seed": SEED,
            "torch": torch.__version__,
            "images": {"training": N_TRAIN, "validation": N_VALID, "heldout": N_HELDOUT,
                       "prevalence": 0.5, "size": [SIZE, SIZE], "bitsStored": 12},
            "normalisation": {"mean": round(mean, 6), "std": round(std, 6)},
            "epochs": EPOCHS,
            "trainingLoss": losses,
            "validationAuc": round(valid_auc, 4),
            "heldoutAuc": round(held_auc, 4),
            "sha256": sha,
        }, f, indent=1)
        f.write("\n")
    print("normalisation mean %.6f std %.6f" % (mean, std))
    print("wrote %s\nsha256 %s" % (onnx_path, sha))


if __name__ == "__main__":
    sys.exit(main())
