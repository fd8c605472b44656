"""Float64 reference values for the geometry core, computed independently with numpy.

Writes test/fixtures/geometry/reference.json: a small synthetic document (head W, hidden states,
full softmax rows, sampled targets) and, for it, dense T×T results: operator eigenvalues for each
kernel and side, ρ_j, A_k, principal-angle cosines, variance captured, linear CKA, information
surplus A1, the martingale Z, ECE_H and the per-token pullback-metric trace. The TypeScript tests
(test/unit/geometry/numpyReference.test.ts) recompute them with the factor-form code.

Run: /usr/bin/python3 tools/geometry_reference.py
"""
import json
import os

import numpy as np

T, V, D, K = 64, 24, 6, 8
rng = np.random.default_rng(20260526)

W = rng.normal(size=(V, D)) * 2.0 / np.sqrt(D)
H = np.zeros((T, D))
x = rng.normal(size=D)
for t in range(T):
    x = 0.9 * x + 0.44 * rng.normal(size=D)
    H[t] = x
Z = H @ W.T
P = np.exp(Z - Z.max(axis=1, keepdims=True))
P /= P.sum(axis=1, keepdims=True)
targets = np.array([rng.choice(V, p=P[t]) for t in range(T)])
logP = np.log(P)
nll = -logP[np.arange(T), targets]
entropy = -(P * logP).sum(axis=1)
varentropy = (P * (-logP - entropy[:, None]) ** 2).sum(axis=1)
rank = 1 + (Z > Z[np.arange(T), targets][:, None]).sum(axis=1)

C = np.eye(T) - np.ones((T, T)) / T
Wn = W / np.linalg.norm(W, axis=1, keepdims=True)
pi = P.mean(axis=0)
kernels = {
    'prototype-model': (P @ Wn) @ (P @ Wn).T,
    'prototype-data': Wn[targets] @ Wn[targets].T,
    'bhattacharyya-model': np.sqrt(P) @ np.sqrt(P).T,
    'linear-model': P @ P.T,
    'haochen-model': (P / pi) @ P.T,
}


def top_eig(M, k):
    w, U = np.linalg.eigh(M)
    order = np.argsort(w)[::-1][:k]
    return w[order], U[:, order]


spectra = {name: top_eig(C @ Kx @ C / T, K)[0].tolist() for name, Kx in kernels.items()}

# Alignment against the default operator (prototype, model side); d = 6 ≤ T/4, so no reduction.
M = C @ kernels['prototype-model'] @ C / T
lam, U = top_eig(M, K)
Hc = H - H.mean(axis=0)
Q, _ = np.linalg.qr(Hc)
rho = np.sort(np.linalg.eigvalsh(Q.T @ M @ Q))[::-1]
kk = min(K, D)
Ak = [float(rho[:k].sum() / lam[:k].sum()) for k in range(1, kk + 1)]
cosines = np.linalg.svd(U[:, :kk].T @ Q, compute_uv=False)
variance = [float(np.sum((U[:, :k].T @ Hc) ** 2) / np.sum(Hc ** 2)) for k in range(1, kk + 1)]
HH = Hc @ Hc.T
KC = T * M
cka = float(np.sum(HH * KC) / (np.linalg.norm(HH) * np.linalg.norm(KC)))

A1 = float(-(pi * np.log(pi)).sum() - entropy.mean())
martingale_z = float((nll - entropy).sum() / np.sqrt(varentropy.sum()))
order = np.argsort(entropy, kind='stable')
B = max(1, min(20, T // 30))
ece = 0.0
for b in range(B):
    idx = order[(b * T) // B:((b + 1) * T) // B]
    ece += len(idx) / T * abs(nll[idx].mean() - entropy[idx].mean())
mean_w = P @ W
trace = (P * (W ** 2).sum(axis=1)).sum(axis=1) - (mean_w ** 2).sum(axis=1)

out = {
    'T': T, 'V': V, 'd': D, 'eigenpairs': K,
    'input': {
        'W': W.ravel().tolist(), 'hidden': H.ravel().tolist(), 'probs': P.ravel().tolist(),
        'targets': targets.tolist(), 'nll': nll.tolist(), 'entropy': entropy.tolist(),
        'varentropy': varentropy.tolist(), 'rank': rank.tolist(),
    },
    'expected': {
        'spectra': spectra, 'rho': rho[:kk].tolist(), 'Ak': Ak, 'principalCosines': cosines.tolist(),
        'varianceCaptured': variance, 'cka': cka, 'A1': A1, 'martingaleZ': martingale_z, 'eceH': float(ece),
        'pullbackTrace': trace.tolist(),
    },
}
path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'geometry', 'reference.json')
with open(path, 'w') as f:
    json.dump(out, f, separators=(',', ':'))
print('wrote', os.path.normpath(path))
