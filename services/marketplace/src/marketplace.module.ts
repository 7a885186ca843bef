import { Module } from '@nestjs/common';
import { DaosService } from './daos/daos.service';
import { FeedbackService } from './feedback/feedback.service';
import { MarketplaceGrpc } from './grpc/marketplace.grpc';
import { DaosController, FeedbackController, OffersController, ParticipantsController } from './http/marketplace.controller';
import { MarketplaceEvents } from './ledger/events.consumer';
import { OffersService } from './offers/offers.service';
import { ParticipantsService } from './participants/participants.service';
import { Store } from './store';

@Module({
  controllers: [ParticipantsController, OffersController, FeedbackController, DaosController],
  providers: [Store, ParticipantsService, OffersService, FeedbackService, DaosService, MarketplaceEvents, MarketplaceGrpc],
  exports: [MarketplaceEvents, MarketplaceGrpc],
})
export class MarketplaceModule {}
