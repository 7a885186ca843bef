import { Anchor, Badge, Button, Card, Group, Pagination, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { marketplace, unwrap, type Offer } from '../api/client';
import { Failure, KindBadge, Loading, reputationText } from '../components/Status';
import { PAGE_SIZE, searchFromUrl, searchToQuery, searchToUrl, type CatalogueSearch } from './catalogue-query';

export function CataloguePage() {
  const [params, setParams] = useSearchParams();
  const search = searchFromUrl(params);
  const [form, setForm] = useState<CatalogueSearch>(search);
  const query = searchToQuery(search);
  const result = useQuery({
    queryKey: ['offers', query],
    queryFn: async () => unwrap(await marketplace.GET('/offers', { params: { query } })),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setParams(searchToUrl({ ...form, page: 1 }));
  };
  const set = <K extends keyof CatalogueSearch>(key: K) => (value: CatalogueSearch[K]) => setForm((f) => ({ ...f, [key]: value }));
  return (
    <Stack>
      <Title order={2}>Catalogue</Title>
      <Text>Data offers from data owners (DSPs) and value offers from analytics, ML and hosting providers (VSPs), as the marketplace ledger records them.</Text>
      <form role="search" aria-label="Search offers" onSubmit={submit}>
        <Stack gap="sm">
          <TextInput label="Search" description="Words in the title, tags or description; quotes for a phrase, - to exclude" value={form.q} onChange={(e) => set('q')(e.currentTarget.value)} name="q" />
          <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
            <Select label="Role" data={[{ value: '', label: 'Any' }, { value: 'DSP', label: 'Data owner (DSP)' }, { value: 'VSP', label: 'Value provider (VSP)' }]} value={form.role} onChange={(v) => set('role')((v ?? '') as CatalogueSearch['role'])} allowDeselect={false} />
            <Select label="Kind" data={[{ value: '', label: 'Any' }, { value: 'data', label: 'Data' }, { value: 'value', label: 'Value' }]} value={form.kind} onChange={(v) => set('kind')((v ?? '') as CatalogueSearch['kind'])} allowDeselect={false} />
            <TextInput label="Tags" description="All of them, comma-separated" value={form.tags} onChange={(e) => set('tags')(e.currentTarget.value)} name="tags" />
            <Select
              label="Minimum reputation"
              data={[{ value: '', label: 'Any' }, ...['1', '2', '3', '4', '4.5'].map((v) => ({ value: v, label: `${v} / 5 or more` }))]}
              value={form.minReputation}
              onChange={(v) => set('minReputation')(v ?? '')}
              allowDeselect={false}
            />
          </SimpleGrid>
          <Group>
            <Button type="submit">Search</Button>
          </Group>
        </Stack>
      </form>
      <section aria-labelledby="results-title">
        <Title order={3} id="results-title" mb="sm">
          Results
        </Title>
        {result.isPending ? (
          <Loading label="Searching offers" />
        ) : result.isError ? (
          <Failure error={result.error} />
        ) : (
          <Stack>
            <Text aria-live="polite" data-testid="result-count">
              {result.data.total === 0 ? 'No open offer matches.' : `${result.data.total} open offer${result.data.total === 1 ? '' : 's'}`}
            </Text>
            <SimpleGrid cols={{ base: 1, sm: 2 }} component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
              {result.data.offers.map((offer) => (
                <OfferCard key={offer.offerId} offer={offer} />
              ))}
            </SimpleGrid>
            {result.data.total > PAGE_SIZE && (
              <Pagination
                total={Math.ceil(result.data.total / PAGE_SIZE)}
                value={search.page}
                onChange={(page) => setParams(searchToUrl({ ...search, page }))}
                getControlProps={(control) => ({ 'aria-label': `${control} page` })}
                getItemProps={(page) => ({ 'aria-label': `Page ${page}` })}
              />
            )}
          </Stack>
        )}
      </section>
    </Stack>
  );
}

function OfferCard({ offer }: { offer: Offer }) {
  return (
    <Card component="li" withBorder padding="md" data-testid="offer-card">
      <Stack gap={6}>
        <Anchor component={Link} to={`/offers/${encodeURIComponent(offer.offerId)}`} fw={600}>
          {offer.title}
        </Anchor>
        <Group gap={6}>
          <KindBadge kind={offer.kind} />
          {offer.tags.map((t) => (
            <Badge key={t} variant="outline" color="dark">
              {t}
            </Badge>
          ))}
        </Group>
        <Text size="sm" lineClamp={2}>
          {offer.description}
        </Text>
        <Text size="sm">
          by{' '}
          <Anchor component={Link} to={`/participants/${encodeURIComponent(offer.owner.mspId)}`}>
            {offer.owner.name ?? offer.owner.mspId}
          </Anchor>{' '}
          ({offer.owner.role ?? '?'}) · reputation {reputationText(offer.owner.reputation)}
        </Text>
      </Stack>
    </Card>
  );
}
