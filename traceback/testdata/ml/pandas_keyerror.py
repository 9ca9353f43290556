# A missing column: pandas chains its engine's KeyError ("direct cause").
import pandas as pd

def features(df):
    return df["customer_ssn_078051121"] * 2

df = pd.DataFrame({"age": [31, 45], "name": ["Jane Doe", "John Roe"]})
features(df)
