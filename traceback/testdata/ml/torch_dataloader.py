# A data loader worker fails on a bad row: torch re-raises in the main process
# with the worker's traceback inside the message.
import torch
from torch.utils.data import DataLoader, Dataset

class Rows(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            raise ValueError("bad row for patient Jane Doe, SSN 078-05-1121")
        return torch.tensor([i])

if __name__ == "__main__":
    for batch in DataLoader(Rows(), batch_size=1, num_workers=1):
        pass
