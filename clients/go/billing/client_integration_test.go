//go:build integration

// Against a running stack (tests/system/test/go-client.test.ts starts it and runs this with
// BILL_SERVICE_URL, RATES_SERVICE_URL, BILLING_SERVICE_TOKEN and GATEWAY_URL + BILLING_API_KEY set).
package billing_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"billing-platform/clients/go/billing"
	billingv1 "billing-platform/clients/go/gen/billing/v1"
	ratesv1 "billing-platform/clients/go/gen/rates/v1"
	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
)

func env(t *testing.T, name string) string {
	t.Helper()
	value := os.Getenv(name)
	if value == "" {
		t.Fatalf("%s is not set: this test runs against a running stack", name)
	}
	return value
}

func futurePeriod() string {
	return time.Now().UTC().AddDate(0, 2, 1-time.Now().UTC().Day()).Format("2006-01")
}

func TestBillOverGrpcWithTheServiceCredential(t *testing.T) {
	clients := billing.Connect(env(t, "BILL_SERVICE_URL"), env(t, "RATES_SERVICE_URL"), env(t, "BILLING_SERVICE_TOKEN"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	customer := "sys-go-" + rand.Text()[:8]
	period := futurePeriod()

	// What each server offers, over reflection, as `grpcurl list` shows it.
	for url, want := range map[string][]string{
		env(t, "BILL_SERVICE_URL"):  {"billing.v1.BillService", "billing.v1.LedgerService", "billing.v1.MandateService", "grpc.health.v1.Health"},
		env(t, "RATES_SERVICE_URL"): {"rates.v1.RatesService", "grpc.health.v1.Health"},
	} {
		services, err := billing.Services(ctx, url)
		if err != nil {
			t.Fatalf("listing the services of %s: %v", url, err)
		}
		for _, name := range want {
			if !slices.Contains(services, name) {
				t.Fatalf("%s lists %v, without %s", url, services, name)
			}
		}
	}

	if _, err := clients.Bills.CreateBill(ctx, connect.NewRequest(&billingv1.CreateBillRequest{
		CustomerId: customer, BillingPeriod: period, Currency: "USD", IdempotencyKey: "go-open",
	})); err != nil {
		t.Fatalf("CreateBill: %v", err)
	}
	item := &billingv1.AddLineItemRequest{
		CustomerId: customer, BillingPeriod: period, IdempotencyKey: "go-item-1", Description: "Setup fee", Amount: proto.String("10.50"),
	}
	// Sent twice with the same key: the item is added once.
	for range 2 {
		if _, err := clients.Bills.AddLineItem(ctx, connect.NewRequest(item)); err != nil {
			t.Fatalf("AddLineItem: %v", err)
		}
	}
	if _, err := clients.Bills.AddLineItem(ctx, connect.NewRequest(&billingv1.AddLineItemRequest{
		CustomerId: customer, BillingPeriod: period, IdempotencyKey: "go-item-2", Description: "API calls",
		Quantity: proto.String("3"), UnitPrice: proto.String("0.3333333333"),
	})); err != nil {
		t.Fatalf("AddLineItem: %v", err)
	}

	got, err := clients.Bills.GetBill(ctx, connect.NewRequest(&billingv1.GetBillRequest{CustomerId: customer, BillingPeriod: period}))
	if err != nil {
		t.Fatalf("GetBill: %v", err)
	}
	bill := got.Msg.GetBill()
	if bill.GetItemCount() != 2 || bill.GetTotal().GetAmount() != "11.50" || bill.GetTotal().GetCurrency() != "USD" {
		t.Fatalf("bill: %d items, total %s %s; want 2 items, total 11.50 USD", bill.GetItemCount(), bill.GetTotal().GetAmount(), bill.GetTotal().GetCurrency())
	}

	// The REST API reads the same bill, with the same decimal strings.
	request, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/v1/customers/%s/bills/%s", env(t, "GATEWAY_URL"), customer, period), nil)
	request.Header.Set("authorization", "Bearer "+env(t, "BILLING_API_KEY"))
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		t.Fatalf("GET bill over REST: %v", err)
	}
	defer response.Body.Close()
	var rest struct {
		ID    string `json:"id"`
		Total struct{ Amount string } `json:"total"`
	}
	if err := json.NewDecoder(response.Body).Decode(&rest); err != nil || rest.ID != bill.GetId() || rest.Total.Amount != "11.50" {
		t.Fatalf("REST bill %+v (%v); want id %s and total 11.50", rest, err, bill.GetId())
	}
}

func TestRatesOverGrpc(t *testing.T) {
	clients := billing.Connect(env(t, "BILL_SERVICE_URL"), env(t, "RATES_SERVICE_URL"), env(t, "BILLING_SERVICE_TOKEN"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rates, err := clients.Rates.ListRates(ctx, connect.NewRequest(&ratesv1.ListRatesRequest{}))
	if err != nil {
		t.Fatalf("ListRates: %v", err)
	}
	if rates.Msg.GetBase() == "" || len(rates.Msg.GetRates()) == 0 {
		t.Fatalf("ListRates answered %v; want a base and its rates", rates.Msg)
	}
}

func TestAWrongCredentialIsUnauthenticated(t *testing.T) {
	clients := billing.Connect(env(t, "BILL_SERVICE_URL"), env(t, "RATES_SERVICE_URL"), "not-the-token")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := clients.Bills.GetBill(ctx, connect.NewRequest(&billingv1.GetBillRequest{CustomerId: "cus_1", BillingPeriod: futurePeriod()}))
	var connectErr *connect.Error
	if !errors.As(err, &connectErr) || connectErr.Code() != connect.CodeUnauthenticated {
		t.Fatalf("GetBill with a wrong credential: %v; want unauthenticated", err)
	}
}
