# A shape mismatch in a model's forward pass, through nn.Module's call path.
import torch

class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(x)

Net()(torch.ones(2, 5))
