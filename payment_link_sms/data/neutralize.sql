-- A neutralized copy of the database (staging, tests) sends nothing of payment_link_sms
-- to the outside world and keeps no working webhook secret.

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

-- Background sends still to do are skipped.
UPDATE payment_link_send_job_line
   SET state = 'skipped',
       reason = 'Neutralized database'
 WHERE state = 'pending';

-- The links' SMS and emails still in Odoo's outboxes are not sent from the copy.
UPDATE sms_sms
   SET state = 'canceled',
       failure_type = 'sms_server'
 WHERE state = 'outgoing'
   AND uuid IN (SELECT sms_uuid FROM sms_tracker WHERE payment_link_id IS NOT NULL);
UPDATE mail_mail
   SET state = 'cancel',
       failure_reason = 'Neutralized database'
 WHERE state = 'outgoing'
   AND payment_link_id IS NOT NULL;
