-- A neutralized copy of the database (staging, tests) sends no outbound webhook and keeps
-- no working webhook secret.

-- Outbound webhooks: disabled, their signing secrets replaced by random values.
UPDATE payment_link_webhook
   SET active = false,
       secret = md5(random()::text || id::text || clock_timestamp()::text),
       disabled_reason = 'Neutralized database';
-- Their queued deliveries are given up.
UPDATE payment_link_webhook_delivery
   SET state = 'failed',
       next_attempt_date = NULL,
       last_error = 'Neutralized database'
 WHERE state = 'pending';
