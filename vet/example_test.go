package vet_test

import (
	"fmt"
	"os"

	"github.com/conflog/conflog/vet"
)

// Check runs the analyzer over packages, as "conflog vet" does.
func ExampleCheck() {
	findings, err := vet.Check("testdata/example", "./...")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range findings {
		fmt.Println(f)
	}
	// Output:
	// train.go:14:58: CL002 public call logs prompt, which is private by its name prompt (sensitive word "prompt"); drop it, or log conflog.Redact, Mask or Pseudonym of it
}

func ExampleWriteJSON() {
	findings := []vet.Finding{{ID: "CL001", File: "train.go", Line: 12, Column: 14,
		Message: "public log message name is not a constant string, so data can reach a public line; use a constant message and pass values as attrs"}}
	vet.WriteJSON(os.Stdout, findings)
	// Output:
	// [
	//   {
	//     "id": "CL001",
	//     "file": "train.go",
	//     "line": 12,
	//     "column": 14,
	//     "message": "public log message name is not a constant string, so data can reach a public line; use a constant message and pass values as attrs"
	//   }
	// ]
}

// A finding after non-ASCII text on its line: SARIF gets the UTF-16
// columns, and says so in columnKind.
func ExampleWriteSARIF() {
	findings := []vet.Finding{{ID: "CL003", File: "serve.go", Line: 7, Column: 66, EndLine: 7, EndColumn: 70,
		Column16: 48, EndColumn16: 52,
		Message: "public call logs body, which comes from the HTTP request (customer data); log conflog.Shape, Redact or Pseudonym of it, or its length"}}
	vet.WriteSARIF(os.Stdout, findings)
	// Output:
	// {
	//   "version": "2.1.0",
	//   "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
	//   "runs": [
	//     {
	//       "tool": {
	//         "driver": {
	//           "name": "conflog vet",
	//           "informationUri": "https://pkg.go.dev/github.com/conflog/conflog/vet",
	//           "rules": [
	//             {
	//               "id": "CL000",
	//               "shortDescription": {
	//                 "text": "malformed or stale //conflog:ignore directive (it needs a known ID and a reason, and a finding of that ID to silence)"
	//               },
	//               "helpUri": "https://pkg.go.dev/github.com/conflog/conflog/vet",
	//               "defaultConfiguration": {
	//                 "level": "warning"
	//               }
	//             },
	//             {
	//               "id": "CL001",
	//               "shortDescription": {
	//                 "text": "public log call whose message is not a constant string"
	//               },
	//               "helpUri": "https://pkg.go.dev/github.com/conflog/conflog/vet",
	//               "defaultConfiguration": {
	//                 "level": "error"
	//               }
	//             },
	//             {
	//               "id": "CL002",
	//               "shortDescription": {
	//                 "text": "public log call passing a value whose name or type marks it sensitive, or a struct/map printed whole"
	//               },
	//               "helpUri": "https://pkg.go.dev/github.com/conflog/conflog/vet",
	//               "defaultConfiguration": {
	//                 "level": "error"
	//               }
	//             },
	//             {
	//               "id": "CL003",
	//               "shortDescription": {
	//                 "text": "public log call passing a value that flows from a source of customer data"
	//               },
	//               "helpUri": "https://pkg.go.dev/github.com/conflog/conflog/vet",
	//               "defaultConfiguration": {
	//                 "level": "error"
	//               }
	//             },
	//             {
	//               "id": "CL004",
	//               "shortDescription": {
	//                 "text": "conflog.Public used other than as a log call's own argument (e.g. in With)"
	//               },
	//               "helpUri": "https://pkg.go.dev/github.com/conflog/conflog/vet",
	//               "defaultConfiguration": {
	//                 "level": "warning"
	//               }
	//             },
	//             {
	//               "id": "CL005",
	//               "shortDescription": {
	//                 "text": "output that bypasses conflog's categories in a package that uses conflog"
	//               },
	//               "helpUri": "https://pkg.go.dev/github.com/conflog/conflog/vet",
	//               "defaultConfiguration": {
	//                 "level": "warning"
	//               }
	//             },
	//             {
	//               "id": "CL006",
	//               "shortDescription": {
	//                 "text": "slog call on a logger not built by conflog in a package that uses conflog"
	//               },
	//               "helpUri": "https://pkg.go.dev/github.com/conflog/conflog/vet",
	//               "defaultConfiguration": {
	//                 "level": "warning"
	//               }
	//             },
	//             {
	//               "id": "CL007",
	//               "shortDescription": {
	//                 "text": "public log call passing an error's text as a string (err.Error(), fmt.Sprint(err), %v of an error), which escapes conflog's scrubbing of errors"
	//               },
	//               "helpUri": "https://pkg.go.dev/github.com/conflog/conflog/vet",
	//               "defaultConfiguration": {
	//                 "level": "error"
	//               }
	//             },
	//             {
	//               "id": "CL008",
	//               "shortDescription": {
	//                 "text": "audit mode: a logging call (slog, log, fmt, zap, zerolog, logrus) that carries customer data or a secret, to review before adopting conflog"
	//               },
	//               "helpUri": "https://pkg.go.dev/github.com/conflog/conflog/vet",
	//               "defaultConfiguration": {
	//                 "level": "note"
	//               }
	//             }
	//           ]
	//         }
	//       },
	//       "columnKind": "utf16CodeUnits",
	//       "results": [
	//         {
	//           "ruleId": "CL003",
	//           "ruleIndex": 3,
	//           "level": "error",
	//           "message": {
	//             "text": "CL003 public call logs body, which comes from the HTTP request (customer data); log conflog.Shape, Redact or Pseudonym of it, or its length"
	//           },
	//           "locations": [
	//             {
	//               "physicalLocation": {
	//                 "artifactLocation": {
	//                   "uri": "serve.go"
	//                 },
	//                 "region": {
	//                   "startLine": 7,
	//                   "startColumn": 48,
	//                   "endLine": 7,
	//                   "endColumn": 52
	//                 }
	//               }
	//             }
	//           ]
	//         }
	//       ]
	//     }
	//   ]
	// }
}

func ExampleFinding_String() {
	f := vet.Finding{ID: "CL003", File: "serve/handler.go", Line: 40, Column: 52, Message: "public call logs body, which comes from the HTTP request (customer data); log conflog.Shape, Redact or Pseudonym of it, or its length"}
	fmt.Println(f)
	// Output:
	// serve/handler.go:40:52: CL003 public call logs body, which comes from the HTTP request (customer data); log conflog.Shape, Redact or Pseudonym of it, or its length
}

// SetFlags configures the analyzer as a driver's flags would.
func ExampleSetFlags() {
	if err := vet.SetFlags(map[string]string{"sensitive-add": "patient,mrn"}); err != nil {
		fmt.Println(err)
	}
	fmt.Println(vet.Analyzer.Flags.Lookup("sensitive").Value)
	fmt.Println(vet.SetFlags(map[string]string{"sensitive-add": "date of birth"}))
	// Output:
	// apikey,body,credential,email,mrn,password,patient,payload,prompt,record,row,sample,secret,ssn,text,token
	// analyzer flag "sensitive-add": sensitive word "date of birth": only letters and digits are allowed
}
