// A bill over gRPC with the service credential: open it, add an item, read it back.
//
//	BILL_SERVICE_URL=http://127.0.0.1:50051 RATES_SERVICE_URL=http://127.0.0.1:50052 \
//	BILLING_SERVICE_TOKEN=... go run ./example cus_42 2031-02
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"billing-platform/clients/go/billing"
	billingv1 "billing-platform/clients/go/gen/billing/v1"
	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
)

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: example <customerId> <billingPeriod YYYY-MM>")
	}
	customer, period := os.Args[1], os.Args[2]
	clients := billing.Connect(os.Getenv("BILL_SERVICE_URL"), os.Getenv("RATES_SERVICE_URL"), os.Getenv("BILLING_SERVICE_TOKEN"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	if _, err := clients.Bills.CreateBill(ctx, connect.NewRequest(&billingv1.CreateBillRequest{
		CustomerId: customer, BillingPeriod: period, Currency: "USD", IdempotencyKey: "example-open-" + customer + "-" + period,
	})); err != nil {
		log.Fatalf("create bill: %v", err)
	}
	// The idempotency key is the item's key inside the bill: running the example again adds nothing.
	if _, err := clients.Bills.AddLineItem(ctx, connect.NewRequest(&billingv1.AddLineItemRequest{
		CustomerId: customer, BillingPeriod: period, IdempotencyKey: "example-item-1", Description: "Setup fee", Amount: proto.String("10.50"),
	})); err != nil {
		log.Fatalf("add line item: %v", err)
	}
	got, err := clients.Bills.GetBill(ctx, connect.NewRequest(&billingv1.GetBillRequest{CustomerId: customer, BillingPeriod: period}))
	if err != nil {
		log.Fatalf("get bill: %v", err)
	}
	bill := got.Msg.GetBill()
	fmt.Printf("%s %s: %d item(s), total %s %s\n", bill.GetId(), bill.GetStatus(), bill.GetItemCount(), bill.GetTotal().GetAmount(), bill.GetTotal().GetCurrency())
}
