import { Button, Group, Select, SimpleGrid, Stack, Textarea, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { Offer } from '../api/client';
import { Failure } from './Status';
import { valuesOf, type OfferValues } from './offer-values';

export { patchOf } from './offer-values';

/** Post or edit an offer: the common fields and the kind's own (data: schema and source; value: service and needs). */
export function OfferForm(props: {
  kind: 'data' | 'value';
  initial?: Offer;
  submitLabel: string;
  pending: boolean;
  error: unknown;
  onSubmit: (values: OfferValues) => void;
}) {
  const [v, setV] = useState<OfferValues>(() => valuesOf(props.initial));
  const text = (key: keyof OfferValues) => ({
    value: v[key],
    name: key,
    onChange: (e: { currentTarget: { value: string } }) => {
      const value = e.currentTarget.value;
      setV((old) => ({ ...old, [key]: value }));
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onSubmit(v);
  };
  return (
    <form onSubmit={submit} aria-label={props.submitLabel}>
      <Stack gap="sm">
        <TextInput label="Title" required maxLength={200} {...text('title')} />
        <Textarea label="Description" description="Full text, kept by the marketplace; its SHA-256 goes on the ledger" required autosize minRows={3} {...text('description')} />
        <TextInput label="Tags" description="Comma-separated: letters, digits, . _ -" {...text('tags')} />
        {props.kind === 'data' ? (
          <>
            <Textarea label="Dataset schema" description="A JSON object of fields, or a sentence" required autosize minRows={2} {...text('schema')} />
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <TextInput label="Update frequency" required {...text('updateFrequency')} />
              <Select
                label="Source"
                data={[{ value: 'iot-stream', label: 'IoT stream (Kafka topic)' }, { value: 'file', label: 'Files' }]}
                value={v.sourceType}
                onChange={(s) => setV((old) => ({ ...old, sourceType: (s ?? 'iot-stream') as OfferValues['sourceType'] }))}
                allowDeselect={false}
              />
              {v.sourceType === 'iot-stream' && <TextInput label="Topic" required {...text('topic')} />}
            </SimpleGrid>
          </>
        ) : (
          <>
            <TextInput label="Service" required {...text('service')} />
            <TextInput label="Computations" description="Comma-separated, e.g. mean, variance" required {...text('computations')} />
            <Textarea label="Infrastructure needs" description='A JSON object, e.g. {"cpu": 2, "memoryMb": 4096}' autosize minRows={2} {...text('infrastructure')} />
          </>
        )}
        {props.error ? <Failure error={props.error} /> : null}
        <Group>
          <Button type="submit" loading={props.pending}>
            {props.submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
