package detect

import "testing"

func init() {
	samples["person-name"] = struct{ found, clean []string }{
		found: []string{"John Smith", "Dr. Hans-Jürgen Müller B.Sc.", "Sanne van den Berg", "Eva María de Gil", "佐藤 陽子",
			"Seán O'Brien", "Univ.Prof. Dr. Ottilie Schmidt", "Marine Le Gall", "Jo"},
		clean: []string{"", "john smith", "Llama 3 8B", "ACME", "N/A", "Unknown", "bert-base-uncased", "John  Smith",
			"jane.doe@example.com", "User_1", "Accuracy Top 1", "Test User", "a b c d e f g"},
	}
	samples["postal-address"] = struct{ found, clean []string }{
		found: []string{"123 Main St, Springfield, IL 62704", `4, rue de Leclerc\n34281 Saint Thibaut`, "Hauptstraße 5, 10115 Berlin",
			"Kurt-Schwarz-Platz 1/5 77013 Nürtingen", "北海道渋谷区神南27丁目1番19号", "Flat 2, 10 Downing Street, London SW1A 2AA",
			"Viale Raffaella 30 Appartamento 97, 82014 Ancona (AN)"},
		clean: []string{"10.0.3.7", "0.0.0.0:8000", "unix:/tmp/s.sock", "0x7f3a2b10 0x10", "localhost 29500", "Hauptbahnhof",
			"jane.doe@example.com", "https://example.com/1", "/var/run/addr 3", "node-1 rank 3", "Springfield"},
	}
	for _, n := range []string{"person-name", "postal-address"} {
		contextual[n] = true
	}
}

// personLines are lines whose name or address (marked by «») is found by
// the key before it, and lines of ML output whose keys or values are not.
var personLines = struct{ found, clean []string }{
	found: []string{
		`{"first_name": "«Jürgen»", "plan": "pro"}`,
		"customer_name=«John Smith» plan=pro",
		`billing-name: "«Dr. Ottilie Schmidt»"`,
		"Full name: «Sanne van den Berg»",
		`{"customerFirstName":"«Eva María»"}`,
		"surname=«O'Brien»",
		`{'cardholder': '«Marine Le Gall»'}`,
		`account_holder = "«佐藤 陽子»"`,
		"Nachname: «Müller»",
		`{"achternaam": "«de Vries»"}`,
		`{"shipping_address": "«123 Main St, Springfield, IL 62704»"}`,
		`address: «Hauptstraße 5, 10115 Berlin»`,
		`{"address": "«4, rue de Leclerc\n34281 Saint Thibaut»", "id": 3}`,
		"homeAddress=«Flat 2, 10 Downing Street, London SW1A 2AA» ts=1",
		`address1="«12 Baker Street»"`,
		`{"adres": "«Kerkstraat 12, 1017 GC Amsterdam»"}`,
	},
	clean: []string{
		`{"model_name": "Llama 3 8B Instruct", "run_name": "Bert Base 3"}`,
		`{"name": "Accuracy", "value": 0.91}`,
		"filename=Report Final.txt",
		`{"display_name": "Jane Smith"}`,
		"flavor_name=Vanilla Bean",
		"username=Admin",
		`{"first_name": "None"}`,
		"last_name=",
		"OSError: [Errno 98] Address already in use",
		"ip_address=10.0.3.7 mac_address=00:1a:2b:3c:4d:5e",
		`{"node_ip_address": "10.0.0.3", "address": "10.0.0.3:6379"}`,
		"INFO: Uvicorn running on address 0.0.0.0:8000",
		"bind address: 0.0.0.0:8000",
		"MASTER_ADDR=10.0.0.1 MASTER_PORT=29500",
		"address=unix:/tmp/vllm.sock",
		"memory address: 0x7f3a2b10",
		`{"address": "Hauptbahnhof"}`,
		"ipaddress=Cluster 2",
		"add_special_tokens=True addressed=3",
	},
}

func TestPersonLines(t *testing.T) { checkLines(t, mustSet(t), personLines, "") }

// TestPersonNoAlloc: a clean line whose key names a name or an address
// costs no allocation either (the gate's per-line promise).
func TestPersonNoAlloc(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation allocates")
	}
	s := mustSet(t)
	for _, l := range []string{`{"first_name": "None", "address": "Cluster North x"}`, `{"address": "Cluster\\nNorth", "full_name": "Llama 3"}`,
		"customer_name=ACME address=Hauptbahnhof Nord"} {
		line := []byte(l)
		if f, ok := s.Check(line); ok {
			t.Fatalf("Check(%q) = %+v, want a clean line", l, f)
		}
		if n := testing.AllocsPerRun(100, func() { s.Check(line) }); n != 0 {
			t.Errorf("Check(%q) allocates %v times", l, n)
		}
	}
}
