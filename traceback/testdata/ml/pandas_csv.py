# A malformed CSV: the C parser's error surfaces as pandas.errors.ParserError.
import io
import pandas as pd

raw = io.StringIO("id,name\n1,Jane Doe\n2,John,Roe,extra\n")
pd.read_csv(raw)
