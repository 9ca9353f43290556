# Autograd misuse: backward through a tensor that does not require grad,
# raised from inside torch's C++ engine via torch/autograd/__init__.py.
import torch

def train_step(loss_value):
    loss = torch.tensor(loss_value)
    loss.backward()

train_step(0.25)
