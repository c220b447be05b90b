"""Local identifiability of small ReLU networks from samples, with certificates.

Run: ``.venv/bin/python examples/relu_local_identifiability.py``

1. an identifiable network (C_S: rank J = d - h), certificate checked;
2. the same network from too few samples (C_N fails: rank J = R_A < d - h);
3. a network with a neuron that never switches on on the samples (C_N fails);
4. nearly dependent samples: float64 SVD gets the rank wrong, the exact rank is right.
"""

from exactid.certify.relu import local_certificate
from exactid.checker import check_document
from exactid.networks.float_check import compare_ranks, nearly_dependent_samples
from exactid.networks.format import Network
from exactid.networks.relu import as_samples, random_network, random_samples


def show(title, net, X):
    cert, rep = local_certificate(net, X)
    print(f"{title}\n  verdict {rep.verdict}: {rep.reason}")
    print(f"  rank J = {rep.rank}, d = {rep.d}, h = {rep.h}, d - h = {rep.d_minus_h}, R_A = {rep.r_a}, "
          f"n k >= d - h: {rep.enough_rows}, never active: {rep.never_active}")
    print(f"  checker: {check_document(cert)}")


net = random_network([2, 4, 1], seed=1, denominator=1000)
show("1. 2-4-1 network, 50 samples", net, random_samples(50, 2, 101, denominator=97))
show("2. same network, 6 samples", net, random_samples(6, 2, 101, denominator=97))

dead = Network.from_lists("relu", [([[1, 1], [-1, -1], [1, -1]], [0, -10, "1/2"]), ([[1, 2, -1]], [0])])
X = as_samples([[1, 2], [2, 1], [3, -1], [-1, 2], [2, 3], [0, 1], [1, 0], [-2, -1], [4, 1], [1, 5]])
show("3. 2-3-1 network whose neuron 1 is off on every sample", dead, X)

close = nearly_dependent_samples(random_samples(6, 2, 101, denominator=97), 6)
report = compare_ranks(net, close)
print("4. six samples plus six copies moved by 1e-18 along x_1")
print(f"  exact rank {report['exact_rank']}, float64 rank {report['float_rank']} "
      f"(tolerance {report['tolerance']:.2e}, sigma just below {report['sigma_below']:.2e}): "
      f"{'agree' if report['agree'] else 'float rank is wrong'}")
